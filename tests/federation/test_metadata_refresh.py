"""URL metadata is re-read by the beat task (called here as a worker runs it): an IdP's
signing-certificate rollover reaches Keyway without anyone touching it, and a broken
document changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from apps.audit.models import Event
from apps.federation.models import Source
from apps.federation.services import saml_source_register
from apps.federation.tasks import saml_metadata_refresh_all
from tests.federation.saml_peer import PysamlIdp

pytestmark = pytest.mark.django_db
MD = "urn:oasis:names:tc:SAML:2.0:metadata"


def _with_both_keys(old: PysamlIdp, new: PysamlIdp) -> str:
    """The IdP's metadata during a rollover: its new key published beside the old one."""
    root = etree.fromstring(old.metadata().encode())
    descriptor = root.find(f"{{{MD}}}IDPSSODescriptor")
    new_root = etree.fromstring(new.metadata().encode())
    descriptor.insert(0, new_root.find(f"{{{MD}}}IDPSSODescriptor/{{{MD}}}KeyDescriptor"))
    return etree.tostring(root, encoding="unicode")


@pytest.fixture
def old_and_new(tmp_path: Path):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    return PysamlIdp(tmp_path / "old"), PysamlIdp(tmp_path / "new")


def _sign_in(client, idp: PysamlIdp, source: Source) -> int:
    idp.trust_sp(client.get(f"/federation/saml/{source.slug}/metadata").content.decode())
    start = client.get(f"/federation/{source.slug}/start")["Location"]
    answer = idp.answer(start, name_id="n-1", attributes={"mail": ["a@corp.example"]})
    status = client.post(answer.acs_url, {"SAMLResponse": answer.saml_response}).status_code
    client.post("/signout/")
    return status


def test_a_certificate_rollover_published_in_url_metadata_is_followed(
    client, static_server, old_and_new
):
    old, new = old_and_new
    static_server.put("/md", old.metadata(), "application/samlmetadata+xml")
    source = saml_source_register(name="Corp", slug="corp", metadata=f"{static_server.url}/md")
    assert source.metadata_url == f"{static_server.url}/md"
    assert _sign_in(client, new, source) == 400  # the new key is not trusted yet

    static_server.put("/md", _with_both_keys(old, new), "application/samlmetadata+xml")
    Source.objects.update(metadata_refreshed_at=None)
    assert saml_metadata_refresh_all() == 1
    source.refresh_from_db()
    assert len(source.idp_certificates) == 2
    assert _sign_in(client, new, source) == 302
    assert _sign_in(client, old, source) == 302

    static_server.put("/md", new.metadata(), "application/samlmetadata+xml")
    Source.objects.update(metadata_refreshed_at=None)
    saml_metadata_refresh_all()
    assert _sign_in(client, old, source) == 400  # the retired key no longer verifies


def test_recently_refreshed_sources_are_left_alone(static_server, old_and_new):
    static_server.put("/md", old_and_new[0].metadata(), "application/samlmetadata+xml")
    saml_source_register(name="Corp", slug="corp", metadata=f"{static_server.url}/md")
    assert saml_metadata_refresh_all() == 0


def test_a_broken_metadata_document_keeps_the_registered_certificates(static_server, old_and_new):
    static_server.put("/md", old_and_new[0].metadata(), "application/samlmetadata+xml")
    source = saml_source_register(name="Corp", slug="corp", metadata=f"{static_server.url}/md")
    before = list(source.idp_certificates)
    static_server.put("/md", "<!DOCTYPE x [<!ENTITY e 'e'>]><x>&e;</x>", "application/xml")
    Source.objects.update(metadata_refreshed_at=None)
    saml_metadata_refresh_all()
    source.refresh_from_db()
    assert source.idp_certificates == before
    event = Event.objects.filter(type="federation.metadata_refresh").latest("pk")
    assert (event.outcome, event.data["reason"]) == ("failure", "xml_dtd")
