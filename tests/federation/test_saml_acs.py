"""The SAML ACS accepts genuinely signed responses from a real IdP (pysaml2) to Keyway's
own requests, signs the person in with mapped attributes and groups, links accounts only
by the source's rule, and answers every refusal with an error page and an audit event."""

from __future__ import annotations

import base64
import urllib.parse
import zlib

import pytest

from apps.accounts.selectors import user_get_by_email, user_group_names
from apps.accounts.services import user_groups_update
from apps.audit.models import Event
from apps.federation.models import LinkRule, UpstreamIdentity, UpstreamSession
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _post(client, answer):
    return client.post(answer.acs_url, {"SAMLResponse": answer.saml_response})


def _last_rejection() -> dict:
    return Event.objects.filter(type="federation.rejected").latest("pk").data


def test_signed_assertion_signs_the_person_in_with_mapped_attributes(client, saml_answer):
    response = _post(client, saml_answer(next_url="/account/sessions/"))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/account/sessions/"
    user = user_get_by_email(email="alice@corp.example")
    assert (user.given_name, user.family_name) == ("Alice", "Corp")
    assert user_group_names(user=user) == ["engineering", "staff"]
    assert user.has_usable_password() is False


def test_a_signed_response_instead_of_a_signed_assertion_is_accepted(client, saml_answer):
    answer = saml_answer(sign_assertion=False, sign_response=True)
    assert _post(client, answer).status_code == 302


def test_the_upstream_identity_and_session_are_stored(client, saml_answer, saml_source):
    _post(client, saml_answer(name_id="alice-0001"))
    identity = UpstreamIdentity.objects.get()
    assert (identity.source, identity.subject) == (saml_source, "alice-0001")
    session = UpstreamSession.objects.get()
    assert session.session_index  # pysaml2's SessionIndex, repeated in Single Logout
    assert client.session["keyway_auth"]["sid"] == session.sid
    assert client.session["keyway_auth"]["amr"] == ["fed"]


def test_mapping_applies_at_every_sign_in_and_keeps_groups_given_in_keyway(client, saml_answer):
    _post(client, saml_answer())
    user = user_get_by_email(email="alice@corp.example")
    user_groups_update(user=user, add=["local-only"], remove=[])

    attributes = {"mail": ["alice@corp.example"], "givenName": ["Alicia"], "groups": ["staff"]}
    assert _post(client, saml_answer(attributes=attributes)).status_code == 302
    user.refresh_from_db()
    assert user.given_name == "Alicia"
    assert user_group_names(user=user) == ["local-only", "staff"]


def test_a_clashing_local_account_is_never_linked_by_default(client, saml_answer, make_user):
    local = make_user(email="alice@corp.example")
    response = _post(client, saml_answer())
    assert response.status_code == 403
    assert "already exists" in response.content.decode()
    assert _last_rejection()["reason"] == "account_exists_not_linked"
    assert not UpstreamIdentity.objects.exists()
    assert user_group_names(user=local) == []
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_an_unverified_email_never_links_even_with_the_verified_email_rule(
    client, saml_answer, saml_source, make_user
):
    make_user(email="alice@corp.example")
    saml_source.link_rule = LinkRule.VERIFIED_EMAIL
    saml_source.save()
    assert _post(client, saml_answer()).status_code == 403


def test_a_source_vouching_for_its_emails_links_the_local_account(
    client, saml_answer, saml_source, make_user
):
    local = make_user(email="alice@corp.example")
    saml_source.link_rule = LinkRule.VERIFIED_EMAIL
    saml_source.attribute_map = {"email_verified": True}
    saml_source.save()
    assert _post(client, saml_answer()).status_code == 302
    assert UpstreamIdentity.objects.get().user == local
    assert client.get("/").wsgi_request.user == local


def test_a_verified_email_outside_the_sources_domains_does_not_link(
    client, saml_answer, saml_source, make_user
):
    make_user(email="alice@elsewhere.example")
    saml_source.link_rule = LinkRule.VERIFIED_EMAIL
    saml_source.attribute_map = {"email_verified": True}
    saml_source.save()
    attributes = {"mail": ["alice@elsewhere.example"]}
    assert _post(client, saml_answer(attributes=attributes)).status_code == 403


def test_a_disabled_account_cannot_sign_in_through_the_upstream(client, saml_answer, make_user):
    assert _post(client, saml_answer()).status_code == 302
    client.post("/signout/")
    user = user_get_by_email(email="alice@corp.example")
    user.is_active = False
    user.save()
    assert _post(client, saml_answer()).status_code == 403
    assert _last_rejection()["reason"] == "account_inactive"


def test_a_response_without_an_email_is_refused_and_nothing_is_created(client, saml_answer):
    response = _post(client, saml_answer(attributes={"givenName": ["Nobody"]}))
    assert response.status_code == 403
    assert _last_rejection()["reason"] == "no_email"
    assert not UpstreamIdentity.objects.exists()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "no_saml_response"),
        ({"SAMLResponse": "%%% not base64 %%%"}, "not_base64"),
        ({"SAMLResponse": "PGZvbz4="}, "xml_malformed"),  # "<foo>"
        ({"SAMLResponse": "PGZvby8+"}, "unsolicited_response"),  # "<foo/>"
    ],
)
def test_garbage_gets_an_error_page_not_a_500(client, saml_source, body, reason):
    response = client.post("/federation/saml/corp/acs", body)
    assert response.status_code == 400
    assert "Sign-in failed" in response.content.decode()
    assert _last_rejection()["reason"] == reason


def test_an_unknown_source_is_a_404_page(client, db):
    assert client.post("/federation/saml/nope/acs", {"SAMLResponse": "x"}).status_code == 404
    assert client.get("/federation/nope/start").status_code == 404
    assert client.get("/federation/saml/nope/metadata").status_code == 404


def test_a_disabled_source_cannot_be_used(client, saml_source):
    saml_source.enabled = False
    saml_source.save()
    assert client.get("/federation/corp/start").status_code == 404


def test_sp_metadata_names_the_acs_slo_and_signing_certificate(client, saml_source):
    response = client.get("/federation/saml/corp/metadata")
    body = response.content.decode()
    assert response["Content-Type"] == "application/samlmetadata+xml"
    assert 'entityID="http://testserver/federation/saml/corp/metadata"' in body
    assert 'AuthnRequestsSigned="true"' in body
    assert 'Location="http://testserver/federation/saml/corp/acs"' in body
    assert 'Location="http://testserver/federation/saml/corp/slo"' in body
    assert "X509Certificate" in body


def test_local_sign_out_sends_a_signed_logout_request_to_the_idp(client, saml_answer, saml_idp):
    assert _post(client, saml_answer()).status_code == 302
    response = client.post("/federation/signout/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://idp.corp.example/slo/redirect?SAMLRequest=")
    assert not client.get("/").wsgi_request.user.is_authenticated

    back = saml_idp.answer_logout(response["Location"])  # pysaml2 checks the signature
    done = client.get(back.removeprefix("http://testserver"))
    assert done.status_code == 200
    assert "signed out" in done.content.decode()


def test_the_hosted_sign_out_page_also_signs_out_at_the_upstream_idp(client, saml_answer, saml_idp):
    assert _post(client, saml_answer()).status_code == 302
    response = client.post("/signout/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://idp.corp.example/slo/redirect?SAMLRequest=")
    assert not client.get("/").wsgi_request.user.is_authenticated
    back = saml_idp.answer_logout(response["Location"])  # pysaml2 checks the signature
    assert client.get(back.removeprefix("http://testserver")).status_code == 200


def test_local_password_sign_out_through_the_federation_endpoint_stays_local(client, user):
    client.post("/signin/", {"email": user.email, "password": PASSWORD})
    response = client.post("/federation/signout/")
    assert response.status_code == 200
    assert not client.get("/").wsgi_request.user.is_authenticated


def _deflated(data: bytes) -> str:
    """As the HTTP-Redirect binding carries a message: raw DEFLATE, base64, URL-quoted."""
    return urllib.parse.quote(base64.b64encode(zlib.compress(data)[2:-4]).decode())


@pytest.mark.parametrize(
    "query",
    [
        "",
        "SAMLRequest=%%%",
        "SAMLRequest=PGZvby8%2B",  # "<foo/>", not deflated
        # 64 MiB of zeros, deflated: stopped at the size bound, never inflated in full
        "SAMLRequest=" + _deflated(b"\0" * (64 << 20)),
        "SAMLResponse=bm90IGRlZmxhdGVk",
    ],
    ids=["nothing", "not-base64", "not-deflated", "deflate-bomb", "garbage-response"],
)
def test_garbage_at_the_logout_endpoint_gets_an_error_page(client, saml_source, query):
    response = client.get(f"/federation/saml/corp/slo?{query}")
    assert response.status_code == 400
    assert Event.objects.filter(type="federation.rejected").exists()
