"""Driving Keyway's SSO endpoint as a browser would, for a python3-saml SP."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from tests.conftest import PASSWORD
from tests.saml_idp.sp import SamlSp, local, posted_form

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@dataclass
class Answer:
    request_id: str | None
    action: str
    fields: dict[str, str]


def sign_in(client, user) -> None:
    response = client.post("/signin/", {"email": user.email, "password": PASSWORD, "next": "/"})
    assert response.status_code == 302, response.content[:500]


def post_request_xml(
    sp: SamlSp, *, force_authn: bool = False, is_passive: bool = False
) -> tuple[str, str]:
    """An AuthnRequest as python3-saml builds it, enveloped-signed with the SP's key by
    python3-saml's own signing utility (the HTTP-POST binding)."""
    request = OneLogin_Saml2_Authn_Request(
        sp.settings(), force_authn=force_authn, is_passive=is_passive
    )
    signed = OneLogin_Saml2_Utils.add_sign(
        request.get_xml(),
        sp.keys[0],
        sp.keys[1],
        sign_algorithm=RSA_SHA256,
        digest_algorithm=SHA256,
    )
    return request.get_id(), signed.decode() if isinstance(signed, bytes) else signed


def start(
    client, sp: SamlSp, *, binding: str = "redirect", relay_state: str = "rs-42", **flags: bool
):
    """Send the SP's AuthnRequest; returns (request id, Keyway's first answer)."""
    if binding == "redirect":
        auth = sp.auth()
        url = auth.login(return_to=relay_state, **flags)
        return auth.get_last_request_id(), client.get(local(url))
    request_id, xml = post_request_xml(sp, **flags)
    data = {"SAMLRequest": base64.b64encode(xml.encode()).decode(), "RelayState": relay_state}
    return request_id, client.post("/saml/sso", data)


def follow_to_form(client, response, user=None) -> tuple[str, dict[str, str]]:
    """Follow Keyway's redirects (signing in when sent to the sign-in page) to the form."""
    for _ in range(5):
        if response.status_code != 302:
            break
        location = response["Location"]
        if location.startswith("/signin/") and user is not None:
            sign_in(client, user)
            response = client.get(_next_of(location))
            continue
        response = client.get(location)
    assert response.status_code == 200, (response.status_code, response.content[:800])
    return posted_form(response.content.decode())


def _next_of(signin_url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(signin_url).query)["next"][0]


def sso(
    client,
    sp: SamlSp,
    user,
    *,
    binding: str = "redirect",
    relay_state: str = "rs-42",
    **flags: bool,
) -> Answer:
    request_id, response = start(client, sp, binding=binding, relay_state=relay_state, **flags)
    action, fields = follow_to_form(client, response, user)
    return Answer(request_id, action, fields)


def sp_accepts(sp: SamlSp, answer: Answer):
    """python3-saml processes the response as the SP application would; returns its auth."""
    auth = sp.auth(post=answer.fields)
    auth.process_response(request_id=answer.request_id)
    assert auth.get_errors() == [], auth.get_last_error_reason()
    return auth
