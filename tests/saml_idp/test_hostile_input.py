"""Hostile or broken requests at the SAML endpoints get an error page (400), an audit
event, no response to the SP, and never a 500."""

from __future__ import annotations

import base64
import zlib
from urllib.parse import quote

import pytest
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from apps.audit.models import Event
from tests.saml_idp.flows import RSA_SHA256, SHA256, post_request_xml, sign_in
from tests.saml_idp.sp import OTHER_KEYS, SamlSp

pytestmark = pytest.mark.django_db

XXE = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
  xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x" Version="2.0"
  IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>&xxe;</saml:Issuer></samlp:AuthnRequest>"""
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol3;
</samlp:AuthnRequest>"""


def _deflate(xml: bytes) -> str:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(compressor.compress(xml) + compressor.flush()).decode()


def _refused(response, text: bytes) -> None:
    assert response.status_code == 400, response.content[:500]
    assert text in response.content
    assert b'name="SAMLResponse"' not in response.content


@pytest.mark.parametrize(
    ("xml", "why"),
    [
        (XXE, b"document type declaration"),
        (BILLION_LAUGHS, b"document type declaration"),
        ("<not-closed", b"malformed XML"),
        ("<a>plain XML, not SAML</a>", b"SAML schema"),
    ],
    ids=["xxe", "billion-laughs", "malformed", "not-saml"],
)
@pytest.mark.parametrize("binding", ["redirect", "post"])
def test_hostile_xml_is_refused_before_anything_reads_it(
    client, register, xml, why, binding
) -> None:
    register(SamlSp())
    if binding == "redirect":
        response = client.get(f"/saml/sso?SAMLRequest={quote(_deflate(xml.encode()))}")
    else:
        response = client.post(
            "/saml/sso", {"SAMLRequest": base64.b64encode(xml.encode()).decode()}
        )
    _refused(response, why)
    assert Event.objects.filter(type="saml.sso_refused").exists() or why != b"SAML schema"


def test_oversized_messages_and_deflate_bombs_are_refused(client, register) -> None:
    register(SamlSp())
    bomb = _deflate(b"<" + b"a" * 5_000_000 + b">")
    assert len(bomb) < 20_000  # tiny on the wire
    _refused(client.get(f"/saml/sso?SAMLRequest={quote(bomb)}"), b"larger than")
    # HTTP-POST accepts DEFLATE too (node-saml sends it), with the same bound.
    _refused(client.post("/saml/sso", {"SAMLRequest": bomb}), b"larger than")
    big = base64.b64encode(b"<a>" + b"x" * 200_000 + b"</a>").decode()
    response = client.post("/saml/sso", {"SAMLRequest": big})
    assert response.status_code in (400, 413)


@pytest.mark.parametrize(
    "query",
    [
        "SAMLRequest=%%%",
        "SAMLRequest=bm90IGRlZmxhdGU%3D",
        "SAMLRequest=a&SAMLRequest=b",
        "RelayState=only",
        "SAMLRequest=" + quote(_deflate(b"<a/>")) + "&Signature=c2ln",
    ],
    ids=["not-base64", "not-deflate", "duplicate", "missing", "signature-without-sigalg"],
)
def test_broken_redirect_encodings_get_a_clear_error(client, query) -> None:
    response = client.get(f"/saml/sso?{query}")
    assert response.status_code == 400
    assert b"cannot be accepted" in response.content
    assert b'name="SAMLResponse"' not in response.content


def test_unknown_service_provider_is_refused_and_audited(client) -> None:
    sp = SamlSp(entity_id="https://stranger.example.com/metadata")
    sp.idp_metadata = client.get("/saml/metadata").content.decode()
    url = sp.auth().login()
    response = client.get(url.replace("https://idp.example.com", ""))
    _refused(response, b"unknown service provider")
    assert Event.objects.filter(type="saml.sso_refused", outcome="denied").exists()


def test_unsigned_request_from_an_sp_that_must_sign_is_refused(client, register) -> None:
    sp = register(SamlSp(sign_requests=True))  # metadata says AuthnRequestsSigned
    sp.sign_requests = False
    url = sp.auth().login()
    _refused(client.get(url.replace("https://idp.example.com", "")), b"must be signed")


def test_request_signed_with_another_key_is_refused(client, register) -> None:
    sp = register(SamlSp())
    sp.keys = OTHER_KEYS
    url = sp.auth().login()
    _refused(client.get(url.replace("https://idp.example.com", "")), b"does not verify")


def test_tampered_redirect_query_breaks_the_signature(client, register) -> None:
    sp = register(SamlSp())
    url = sp.auth().login(return_to="https://sp.example.com/home")
    tampered = url.replace("RelayState=https", "RelayState=evil")
    _refused(client.get(tampered.replace("https://idp.example.com", "")), b"does not verify")


def test_signature_wrapping_is_refused(client, register) -> None:
    """XSW: a validly signed request moved inside a forged one (another ID, another ACS)."""
    sp = register(SamlSp())
    _id, signed = post_request_xml(sp)
    genuine = etree.fromstring(signed.encode())
    forged = etree.fromstring(signed.encode())
    forged.set("ID", "_forged")
    forged.set("AssertionConsumerServiceURL", "https://evil.example.net/acs")
    forged.find("{http://www.w3.org/2000/09/xmldsig#}Signature").append(genuine)
    data = base64.b64encode(etree.tostring(forged)).decode()
    response = client.post("/saml/sso", {"SAMLRequest": data})
    assert response.status_code == 400
    assert b"evil.example.net" not in response.content or b"SAMLResponse" not in response.content


def _signed_request_with(sp: SamlSp, **attributes: str) -> str:
    """The SP's genuine AuthnRequest with attributes changed, then signed again by the SP
    (a validly signed request Keyway must still refuse on its content)."""
    _id, signed = post_request_xml(sp)
    root = etree.fromstring(signed.encode())
    root.remove(root.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    for name, value in attributes.items():
        root.set(name, value)
    resigned = OneLogin_Saml2_Utils.add_sign(
        etree.tostring(root),
        sp.keys[0],
        sp.keys[1],
        sign_algorithm=RSA_SHA256,
        digest_algorithm=SHA256,
    )
    return base64.b64encode(resigned).decode()


def test_acs_url_that_is_not_registered_gets_no_response(client, user, register) -> None:
    sp = register(SamlSp())
    request = _signed_request_with(sp, AssertionConsumerServiceURL="https://evil.example.net/acs")
    sign_in(client, user)
    _refused(client.post("/saml/sso", {"SAMLRequest": request}), b"is not registered")


def test_stale_request_is_refused(client, register) -> None:
    sp = register(SamlSp())
    request = _signed_request_with(sp, IssueInstant="2020-01-01T00:00:00Z")
    _refused(client.post("/saml/sso", {"SAMLRequest": request}), b"too old")


def test_request_for_another_destination_is_refused(client, register) -> None:
    sp = register(SamlSp())
    request = _signed_request_with(sp, Destination="https://other-idp.example.com/saml/sso")
    _refused(client.post("/saml/sso", {"SAMLRequest": request}), b"Destination")


def test_relay_state_beyond_the_limit_is_refused(client, register) -> None:
    sp = register(SamlSp(sign_requests=False))
    url = sp.auth().login(return_to="x" * 2000)
    _refused(client.get(url.replace("https://idp.example.com", "")), b"RelayState")


def test_continuation_without_a_pending_request_is_an_error_page(client) -> None:
    response = client.get("/saml/sso/continue", {"r": "nothing-here"})
    assert response.status_code == 400
    assert b"expired" in response.content
