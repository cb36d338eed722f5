"""Every case in the hostile-XML corpus (tests/fixtures/saml/hostile, see cases.json) is
rejected by the ACS with the reason it was built to trigger: an error page (never a 500),
an audit event, and nobody signed in. The control case, from the same IdP and the same
request, is accepted, so the others fail for their own reason, not a stale fixture."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from apps.audit.models import Event
from apps.federation.saml_sp.stores import outstanding_request_put
from apps.federation.services import saml_source_register

CORPUS = Path(__file__).parents[1] / "fixtures" / "saml" / "hostile"
CASES = json.loads((CORPUS / "cases.json").read_text())
REQUEST_ID = "id-keyway-corpus-request-0001"
ACS = "/federation/saml/corp/acs"


@pytest.fixture
def corp(db: None):
    from tests.federation.saml_peer import PysamlIdp

    idp = PysamlIdp(
        CORPUS.parent,  # not written to: key and certificate are passed in
        key_pem=(CORPUS / "idp.key").read_text(),
        cert_pem=(CORPUS / "idp.crt").read_text(),
    )
    source = saml_source_register(name="Corp", slug="corp", metadata=idp.metadata())
    outstanding_request_put(slug="corp", request_id=REQUEST_ID, next_url="/", ttl=600)
    return source


def _post(client, name: str):
    encoded = base64.b64encode((CORPUS / name).read_bytes()).decode("ascii")
    return client.post(ACS, {"SAMLResponse": encoded})


def test_the_control_case_is_accepted(client, corp):
    response = _post(client, "valid_control.xml")
    assert response.status_code == 302, response.content.decode()
    assert client.get("/").wsgi_request.user.is_authenticated


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["expect"] != "accepted"], ids=lambda c: c["file"]
)
def test_every_hostile_case_is_rejected_for_its_reason(client, corp, case):
    response = _post(client, case["file"])
    assert response.status_code in (400, 403), response.status_code
    assert "Sign-in failed" in response.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated
    event = Event.objects.filter(type="federation.rejected").latest("pk")
    assert event.data["reason"] == case["expect"], (case["description"], event.data)


def test_a_replayed_response_is_rejected(client, corp):
    assert _post(client, "valid_control.xml").status_code == 302
    outstanding_request_put(slug="corp", request_id=REQUEST_ID, next_url="/", ttl=600)
    response = _post(client, "valid_control.xml")
    assert response.status_code == 400
    assert Event.objects.filter(type="federation.rejected").latest("pk").data["reason"] == (
        "assertion_replayed"
    )
