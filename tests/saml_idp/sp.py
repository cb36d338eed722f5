"""A service provider for the SAML IdP tests, built on python3-saml (OneLogin's SP toolkit):
its AuthnRequests, LogoutRequests and response validation are the library's own code, so
what these tests accept is what a python3-saml application would accept."""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from apps.common.x509 import credential_create

# Key pairs made once per run: RSA-3072 generation costs ~0.5 s.
SP_KEYS = credential_create(common_name="test-sp")
OTHER_KEYS = credential_create(common_name="another-key")


@dataclass
class SamlSp:
    entity_id: str = "https://sp.example.com/metadata"
    acs_url: str = "https://sp.example.com/acs"
    slo_url: str = "https://sp.example.com/slo"
    sign_requests: bool = True
    want_assertions_encrypted: bool = False
    name_id_format: str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    idp_metadata: str = ""
    security: dict[str, Any] = field(default_factory=dict)
    keys: tuple[str, str] = SP_KEYS

    def settings(self) -> OneLogin_Saml2_Settings:
        data = self._own()
        if self.idp_metadata:
            idp = OneLogin_Saml2_IdPMetadataParser.parse(self.idp_metadata)
            data = OneLogin_Saml2_IdPMetadataParser.merge_settings(data, idp)
            # The parser copies the IdP's first NameIDFormat and its WantAuthnRequestsSigned
            # over the SP's own choices: put them back.
            data["sp"]["NameIDFormat"] = self.name_id_format
            data["security"]["authnRequestsSigned"] = self.sign_requests
        return OneLogin_Saml2_Settings(data, sp_validation_only=not self.idp_metadata)

    def _own(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "strict": True,
            "sp": {
                "entityId": self.entity_id,
                "assertionConsumerService": {
                    "url": self.acs_url,
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
                "singleLogoutService": {
                    "url": self.slo_url,
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "NameIDFormat": self.name_id_format,
                "x509cert": self.keys[1],
                "privateKey": self.keys[0],
            },
            "security": {
                "authnRequestsSigned": self.sign_requests,
                "logoutRequestSigned": True,
                "logoutResponseSigned": True,
                "wantAssertionsSigned": True,
                "wantMessagesSigned": True,
                "wantAssertionsEncrypted": self.want_assertions_encrypted,
                "signatureAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                "digestAlgorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
                "rejectDeprecatedAlgorithm": True,
                # Keyway omits the AttributeStatement when no attribute is mapped (the
                # schema forbids an empty one); python3-saml insists on one by default.
                "wantAttributeStatement": False,
                **self.security,
            },
        }
        return data

    def metadata(self) -> str:
        xml = OneLogin_Saml2_Settings(self._own(), sp_validation_only=True).get_sp_metadata()
        return xml.decode() if isinstance(xml, bytes) else xml

    def auth(
        self, *, get: dict | None = None, post: dict | None = None, path: str = "/acs"
    ) -> OneLogin_Saml2_Auth:
        parts = urlsplit(self.acs_url if path == "/acs" else self.slo_url)
        request_data = {
            "https": "on" if parts.scheme == "https" else "off",
            "http_host": parts.netloc,
            "script_name": parts.path,
            "get_data": get or {},
            "post_data": post or {},
        }
        return OneLogin_Saml2_Auth(request_data, old_settings=self.settings())


def redirect_query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def inflate(value: str) -> bytes:
    return zlib.decompress(base64.b64decode(value), -15)


FORM_FIELD = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
FORM_ACTION = re.compile(r'<form id="saml-post" method="post" action="([^"]+)">')


def posted_form(html: str) -> tuple[str, dict[str, str]]:
    """The HTTP-POST binding form a Keyway page carries: its action and fields."""
    action = FORM_ACTION.search(html)
    assert action is not None, html[:2000]
    return unescape(action.group(1)), {k: unescape(v) for k, v in FORM_FIELD.findall(html)}


def local(url: str) -> str:
    """A Keyway URL as the Django test client wants it (path and query)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
