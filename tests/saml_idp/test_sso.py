"""Web Browser SSO (SAML Profiles 4.1) as a python3-saml service provider sees it."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth.models import Group
from lxml import etree

from apps.audit.models import Event
from apps.sso_sessions.models import Participant
from tests.saml_idp.flows import follow_to_form, sign_in, sp_accepts, sso, start
from tests.saml_idp.sp import OTHER_KEYS, SamlSp

pytestmark = pytest.mark.django_db

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
}
ATTRIBUTES = (
    "--attribute",
    "mail=email",
    "--attribute",
    "givenName=given_name",
    "--attribute",
    "groups=groups",
)


def _status(fields: dict[str, str]) -> list[str]:
    root = etree.fromstring(base64.b64decode(fields["SAMLResponse"]))
    return [node.get("Value") for node in root.iterfind(".//samlp:StatusCode", NS)]


@pytest.mark.parametrize("binding", ["redirect", "post"])
def test_sp_initiated_sign_on_is_accepted_by_python3_saml_with_mapped_attributes(
    client, user, register, binding
) -> None:
    user.groups.add(Group.objects.create(name="engineering"), Group.objects.create(name="staff"))
    sp = register(SamlSp(), *ATTRIBUTES)

    answer = sso(client, sp, user, binding=binding)

    assert answer.action == sp.acs_url
    assert answer.fields["RelayState"] == "rs-42"
    auth = sp_accepts(sp, answer)
    assert auth.get_nameid() == user.email
    assert auth.get_attributes() == {
        "mail": [user.email],
        "givenName": ["Alice"],
        "groups": ["engineering", "staff"],
    }


def test_response_carries_what_the_profile_requires(client, user, register) -> None:
    sp = register(SamlSp())
    answer = sso(client, sp, user)
    root = etree.fromstring(base64.b64decode(answer.fields["SAMLResponse"]))

    assert root.get("Destination") == sp.acs_url
    assert root.get("InResponseTo") == answer.request_id
    assert root.findtext("saml:Issuer", namespaces=NS) == "https://idp.example.com/saml/metadata"
    assertion = root.find("saml:Assertion", NS)
    data = assertion.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
    assert data.get("Recipient") == sp.acs_url
    assert data.get("InResponseTo") == answer.request_id
    assert data.get("NotOnOrAfter")
    assert data.get("NotBefore") is None
    conditions = assertion.find("saml:Conditions", NS)
    assert conditions.get("NotBefore")
    assert conditions.get("NotOnOrAfter")
    assert (
        conditions.findtext("saml:AudienceRestriction/saml:Audience", namespaces=NS) == sp.entity_id
    )
    statement = assertion.find("saml:AuthnStatement", NS)
    assert statement.get("AuthnInstant")
    assert statement.get("SessionIndex")
    assert statement.findtext("saml:AuthnContext/saml:AuthnContextClassRef", namespaces=NS) == (
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    )
    signature_method = root.find(".//{http://www.w3.org/2000/09/xmldsig#}SignatureMethod")
    assert signature_method.get("Algorithm").endswith("rsa-sha256")


def test_sign_on_joins_the_sign_on_session_with_session_index_and_name_id(
    client, user, register
) -> None:
    sp = register(SamlSp())
    answer = sso(client, sp, user)
    auth = sp_accepts(sp, answer)

    participant = Participant.objects.get(kind="saml", party_id=sp.entity_id)
    assert participant.session.user == user
    assert participant.session_index == auth.get_session_index()
    assert participant.name_id == user.email
    assert Event.objects.filter(type="saml.sso", outcome="success").exists()


def test_encrypted_assertion_is_decrypted_by_the_sp_with_its_own_key(
    client, user, register
) -> None:
    sp = register(
        SamlSp(want_assertions_encrypted=True, keys=OTHER_KEYS), "--encrypt-assertion", *ATTRIBUTES
    )
    answer = sso(client, sp, user)

    root = etree.fromstring(base64.b64decode(answer.fields["SAMLResponse"]))
    assert root.find("saml:Assertion", NS) is None
    assert root.find("saml:EncryptedAssertion", NS) is not None
    assert user.email.encode() not in base64.b64decode(answer.fields["SAMLResponse"])
    auth = sp_accepts(sp, answer)
    assert auth.get_attributes()["mail"] == [user.email]


def test_persistent_name_id_is_stable_per_sp_and_differs_between_sps(
    client, user, register
) -> None:
    one = register(SamlSp(), "--nameid-format", "persistent")
    two = register(
        SamlSp(entity_id="https://two.example.com/metadata", acs_url="https://two.example.com/acs"),
        "--nameid-format",
        "persistent",
    )
    one.name_id_format = two.name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

    first = sp_accepts(one, sso(client, one, user)).get_nameid()
    again = sp_accepts(one, sso(client, one, user)).get_nameid()
    other = sp_accepts(two, sso(client, two, user)).get_nameid()

    assert first == again
    assert first != other
    assert user.email not in (first, other)


def test_transient_name_id_is_not_the_email(client, user, register) -> None:
    sp = register(
        SamlSp(name_id_format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient"),
        "--nameid-format",
        "transient",
    )
    auth = sp_accepts(sp, sso(client, sp, user))
    assert auth.get_nameid() != user.email
    assert auth.get_nameid_format() == "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"


def test_a_name_id_format_the_sp_is_not_offered_gets_invalid_name_id_policy(
    client, user, register
) -> None:
    sp = register(SamlSp())  # registered for email
    sp.name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    answer = sso(client, sp, user)
    assert _status(answer.fields) == [
        "urn:oasis:names:tc:SAML:2.0:status:Requester",
        "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy",
    ]


def test_is_passive_without_a_session_answers_no_passive(client, user, register) -> None:
    sp = register(SamlSp())
    request_id, response = start(client, sp, is_passive=True)
    action, fields = follow_to_form(client, response, user=None)

    assert action == sp.acs_url
    assert _status(fields)[1] == "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
    root = etree.fromstring(base64.b64decode(fields["SAMLResponse"]))
    assert root.get("InResponseTo") == request_id


def test_is_passive_with_a_session_signs_on_without_the_sign_in_page(
    client, user, register
) -> None:
    sp = register(SamlSp())
    sign_in(client, user)
    _request_id, response = start(client, sp, is_passive=True)
    _action, fields = follow_to_form(client, response, user=None)
    assert _status(fields) == ["urn:oasis:names:tc:SAML:2.0:status:Success"]


def test_force_authn_sends_a_signed_in_person_to_sign_in_again(client, user, register) -> None:
    sp = register(SamlSp())
    sign_in(client, user)
    _request_id, response = start(client, sp, force_authn=True)
    continuation = client.get(response["Location"])

    assert continuation.status_code == 302
    assert continuation["Location"].startswith("/signin/")
    _action, fields = follow_to_form(client, continuation, user)
    assert _status(fields) == ["urn:oasis:names:tc:SAML:2.0:status:Success"]


def test_idp_initiated_sign_on_only_where_allowed(client, user, register) -> None:
    allowed = register(SamlSp(), "--allow-idp-initiated")
    sign_in(client, user)
    response = client.get("/saml/idp-initiated", {"sp": allowed.entity_id, "RelayState": "/home"})
    _action, fields = follow_to_form(client, response)
    auth = allowed.auth(post=fields)
    auth.process_response()  # unsolicited: no request id
    assert auth.get_errors() == [], auth.get_last_error_reason()
    assert fields["RelayState"] == "/home"

    refused = register(
        SamlSp(entity_id="https://two.example.com/metadata", acs_url="https://two.example.com/acs")
    )
    response = client.get("/saml/idp-initiated", {"sp": refused.entity_id})
    assert response.status_code == 400
    assert b"not allowed" in response.content
