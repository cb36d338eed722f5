"""Inbound federation from a real upstream SAML IdP: pysaml2's IdP (``saml2.server``,
xmlsec1 signatures), in-process. It reads Keyway's SP metadata, checks the signature of
Keyway's AuthnRequest and answers with a genuinely signed Response; Keyway's ACS accepts
it, provisions the person with mapped attributes and groups, and a relying party of
Keyway receives an ID token carrying them. Then the IdP's signed LogoutRequest ends the
Keyway session, the relying party is told (back-channel logout) and pysaml2 accepts
Keyway's signed LogoutResponse.
"""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.selectors import user_get_by_email
from apps.sso_sessions.selectors import sessions_active_for_user
from tests.federation.relying_party import (
    SCOPE,
    id_token_claims,
    provider_link,
    relying_party_create,
)
from tests.federation.saml_peer import PysamlIdp, corp_register
from tests.oidc_provider.conftest import Flow, RegisteredClient
from tests.sso_sessions.logout_receiver import LogoutReceiver, celery_always_eager

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]

SP_ENTITY_ID = "http://testserver/federation/saml/corp/metadata"
ATTRIBUTES = {
    "mail": ["bob@corp.example"],
    "givenName": ["Bob"],
    "sn": ["Builder"],
    "groups": ["construction", "staff"],
}


@pytest.fixture
def idp(tmp_path) -> PysamlIdp:
    return PysamlIdp(tmp_path)


@pytest.fixture
def corp(db: None, idp: PysamlIdp, client: Client):
    return corp_register(idp, client)


@pytest.fixture
def receiver():
    # The fan-out's delivery task runs in-process here, on Redis too: no worker in tests.
    with celery_always_eager(True), LogoutReceiver() as receiver:
        yield receiver


@pytest.fixture
def relying_party(receiver: LogoutReceiver) -> RegisteredClient:
    return relying_party_create(backchannel_logout_uri=receiver.url)


def _signin_through_idp(client: Client, idp: PysamlIdp, start: str) -> object:
    response = client.get(start)
    assert response.status_code == 302, response.content.decode()[:2000]
    answer = idp.answer(response["Location"], name_id="bob-7", attributes=ATTRIBUTES)
    assert answer.acs_url == "http://testserver/federation/saml/corp/acs"
    return client.post("/federation/saml/corp/acs", {"SAMLResponse": answer.saml_response})


def test_sign_in_through_pysaml2_reaches_a_relying_party_then_idp_logout_ends_it(
    client: Client,
    idp: PysamlIdp,
    corp,
    relying_party: RegisteredClient,
    receiver: LogoutReceiver,
):
    flow = Flow(client, relying_party)
    authorize = flow.authorize(scope=SCOPE)
    signin_page = client.get(authorize["Location"]).content.decode()
    back = _signin_through_idp(client, idp, provider_link(signin_page, "corp"))
    assert back.status_code == 302, back.content.decode()[:2000]
    claims = id_token_claims(flow, back["Location"])
    assert claims["email"] == "bob@corp.example"
    assert (claims["given_name"], claims["family_name"]) == ("Bob", "Builder")
    assert sorted(claims["groups"]) == ["construction", "staff"]
    assert claims["amr"] == ["fed"]

    user = user_get_by_email(email="bob@corp.example")
    assert len(sessions_active_for_user(user=user)) == 1
    logout_url = idp.logout_request_url(sp_entity_id=SP_ENTITY_ID, name_id="bob-7")
    answer = Client().get(logout_url.removeprefix("http://testserver"))  # IdP-initiated
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert answer["Location"].startswith("https://idp.corp.example/slo/redirect?")
    assert idp.logout_response_status(answer["Location"]).endswith(":Success")
    assert sessions_active_for_user(user=user) == []
    assert receiver.wait_for(1, timeout=10)
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_keyway_authn_requests_are_signed_and_pysaml2_checks_them(
    client: Client, idp: PysamlIdp, corp
):
    location = client.get("/federation/corp/start")["Location"]
    tampered = location.replace("Signature=", "Signature=AAAA", 1)
    with pytest.raises(Exception, match="not signed correctly"):
        idp.answer(tampered, name_id="bob-7", attributes=ATTRIBUTES)


def test_an_unsigned_logout_request_is_refused(client: Client, idp: PysamlIdp, corp):
    assert _signin_through_idp(client, idp, "/federation/corp/start").status_code == 302
    url = idp.logout_request_url(sp_entity_id=SP_ENTITY_ID, name_id="bob-7")
    unsigned = url.split("&SigAlg=")[0]
    response = Client().get(unsigned.removeprefix("http://testserver"))
    assert response.status_code == 400
    assert client.get("/").wsgi_request.user.is_authenticated
