"""Keyway's AuthnRequest to an upstream IdP (SAML Core 2.0 section 3.4.1), sent with the
HTTP-Redirect binding and signed over the query string (SAML Bindings 3.4.4.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onelogin.saml2.auth import OneLogin_Saml2_Auth


@dataclass(frozen=True)
class AuthnRequest:
    url: str  # where to send the browser: the IdP's SSO endpoint with the signed request
    request_id: str  # the ID the Response's InResponseTo must repeat


def authn_request_build(*, settings: dict[str, Any], request_data: dict[str, Any]) -> AuthnRequest:
    auth = OneLogin_Saml2_Auth(request_data, settings)
    url = auth.login()
    return AuthnRequest(url=url, request_id=auth.get_last_request_id())
