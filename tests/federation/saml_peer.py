"""A real upstream SAML IdP for the tests: pysaml2's ``saml2.server.Server``, in-process,
signing with xmlsec1. It reads Keyway's SP metadata, parses Keyway's signed AuthnRequests
(HTTP-Redirect) and answers with genuinely signed Responses, as a third-party IdP would.
Nothing here builds or signs SAML by hand.
"""

from __future__ import annotations

import base64
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from apps.common.x509 import credential_create

if TYPE_CHECKING:
    from django.test import Client

    from apps.federation.models import Source

# CI installs Debian's xmlsec1 (pysaml2 signs and verifies through it).
XMLSEC = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def corp_register(idp: PysamlIdp, client: Client, slug: str = "corp") -> Source:
    """Register the IdP as corp.example's source, and Keyway's SP metadata at the IdP."""
    # Imported here: the corpus generator uses this module without Django configured.
    from apps.federation.services import saml_source_register

    source = saml_source_register(
        name="Corp", slug=slug, metadata=idp.metadata(), domains=["corp.example"]
    )
    idp.trust_sp(client.get(f"/federation/saml/{slug}/metadata").content.decode())
    return source


@dataclass
class Answer:
    acs_url: str
    saml_response: str  # base64, as the HTTP-POST binding carries it
    relay_state: str


class PysamlIdp:
    def __init__(
        self,
        workdir: Path,
        *,
        entity_id: str = "https://idp.corp.example/idp",
        base_url: str = "https://idp.corp.example",
        lifetime_minutes: int = 15,
        key_pem: str | None = None,
        cert_pem: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.entity_id = entity_id
        self.base_url = base_url
        self.lifetime_minutes = lifetime_minutes
        if key_pem is None or cert_pem is None:
            key_pem, cert_pem = credential_create(common_name="pysaml2 upstream IdP")
        self.key_pem, self.cert_pem = key_pem, cert_pem
        (workdir / "idp.key").write_text(key_pem)
        (workdir / "idp.crt").write_text(cert_pem)
        self.server: Server | None = None

    def _config(self, sp_metadata: str | None) -> IdPConfig:
        local = []
        if sp_metadata is not None:
            path = self.workdir / "sp-metadata.xml"
            path.write_text(sp_metadata)
            local.append(str(path))
        config = {
            "entityid": self.entity_id,
            "xmlsec_binary": XMLSEC,
            "key_file": str(self.workdir / "idp.key"),
            "cert_file": str(self.workdir / "idp.crt"),
            "metadata": {"local": local},
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [
                            (f"{self.base_url}/sso/redirect", BINDING_HTTP_REDIRECT)
                        ],
                        "single_logout_service": [
                            (f"{self.base_url}/slo/redirect", BINDING_HTTP_REDIRECT)
                        ],
                    },
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": self.lifetime_minutes},
                            "attribute_restrictions": None,
                            "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
                        }
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": True,
                },
            },
        }
        idp_config = IdPConfig()
        idp_config.load(config)
        return idp_config

    def metadata(self) -> str:
        return create_metadata_string(None, config=self._config(None), valid=None).decode("utf-8")

    def trust_sp(self, sp_metadata: str) -> None:
        self.server = Server(config=self._config(sp_metadata))

    def answer(
        self,
        authn_request_url: str,
        *,
        name_id: str,
        attributes: dict[str, list[str]],
        **signing: Any,
    ) -> Answer:
        """Parse Keyway's AuthnRequest (checking its redirect-binding signature) and answer it
        (``signing``: the signing options of :meth:`respond`)."""
        assert self.server is not None, "call trust_sp() with Keyway's SP metadata first"
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authn_request_url).query))
        parsed = self.server.parse_authn_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        request = parsed.message
        acs = self.server.config.metadata.assertion_consumer_service(
            request.issuer.text, binding=BINDING_HTTP_POST
        )[0]["location"]
        xml = self.respond(
            in_response_to=request.id,
            acs_url=acs,
            sp_entity_id=request.issuer.text,
            name_id=name_id,
            attributes=attributes,
            **signing,
        )
        encoded = base64.b64encode(xml.encode("utf-8")).decode("ascii")
        return Answer(acs_url=acs, saml_response=encoded, relay_state=query.get("RelayState", ""))

    def respond(
        self,
        *,
        in_response_to: str | None,
        acs_url: str,
        sp_entity_id: str,
        name_id: str,
        attributes: dict[str, list[str]],
        sign_assertion: bool = True,
        sign_response: bool = False,
        sign_alg: str = SIG_RSA_SHA256,
        digest_alg: str = DIGEST_SHA256,
    ) -> str:
        """A signed Response as XML text (pysaml2 does all the signing)."""
        assert self.server is not None, "call trust_sp() with Keyway's SP metadata first"
        response = self.server.create_authn_response(
            identity=attributes,
            in_response_to=in_response_to,
            destination=acs_url,
            sp_entity_id=sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id),
            authn={"class_ref": PASSWORD_CONTEXT, "authn_auth": self.entity_id},
            sign_assertion=sign_assertion,
            sign_response=sign_response,
            sign_alg=sign_alg,
            digest_alg=digest_alg,
        )
        return str(response)

    def logout_request_url(self, *, sp_entity_id: str, name_id: str) -> str:
        """A signed LogoutRequest for the SP, HTTP-Redirect binding (the URL a browser
        would be sent to)."""
        assert self.server is not None
        destination = self.server.config.metadata.single_logout_service(
            sp_entity_id, binding=BINDING_HTTP_REDIRECT, typ="spsso"
        )[0]["location"]
        _, request = self.server.create_logout_request(
            destination,
            sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id),
            sign=False,  # the redirect binding signs the query string instead
        )
        info = self.server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(request),
            destination,
            relay_state="",
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return dict(info["headers"])["Location"]

    def logout_response_status(self, redirect_url: str) -> str:
        """Parse the SP's LogoutResponse (checking its signature); its status code."""
        assert self.server is not None
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect_url).query))
        response = self.server.parse_logout_request_response(
            query["SAMLResponse"], BINDING_HTTP_REDIRECT
        )
        return response.response.status.status_code.value

    def answer_logout(self, logout_request_url: str) -> str:
        """Parse the SP's signed LogoutRequest (redirect binding) and answer it with a
        signed LogoutResponse; returns the URL the browser goes back to."""
        assert self.server is not None
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(logout_request_url).query))
        request = self.server.parse_logout_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        response = self.server.create_logout_response(
            request.message, [BINDING_HTTP_REDIRECT], sign=False
        )
        destination = self.server.config.metadata.single_logout_service(
            request.message.issuer.text, binding=BINDING_HTTP_REDIRECT, typ="spsso"
        )[0]["location"]
        info = self.server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            destination,
            relay_state=query.get("RelayState", ""),
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return dict(info["headers"])["Location"]
