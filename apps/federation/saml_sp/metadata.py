"""Reading an IdP's SAML metadata (SAML Metadata 2.0): entity id, SSO and SLO endpoints
(HTTP-Redirect binding, section 2.4.3 / SAML Bindings 3.4) and signing certificates.

Several signing certificates are kept: an IdP rolling its key over publishes the new one
beside the old (Metadata Interoperability Profile section 2.5), and responses signed with
either must verify until the old one leaves the metadata.
"""

from __future__ import annotations

from dataclasses import dataclass

from onelogin.saml2.errors import OneLogin_Saml2_Error
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from apps.common.x509 import certificate_body, certificate_load
from apps.federation.errors import FederationRejected
from apps.federation.saml_sp.xml_guard import xml_untrusted_check


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str
    sso_url: str
    slo_url: str
    certificates: tuple[str, ...]  # base64 DER, as metadata carries them


def idp_metadata_parse(xml: str | bytes, *, entity_id: str | None = None) -> IdpMetadata:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    xml_untrusted_check(data)
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(data, entity_id=entity_id)
    except (OneLogin_Saml2_Error, ValueError, TypeError, SyntaxError) as error:
        raise FederationRejected("metadata_invalid", detail=str(error)) from error
    idp = parsed.get("idp") or {}
    certificates: list[str] = []
    multi = (idp.get("x509certMulti") or {}).get("signing") or []
    for text in [*multi, idp.get("x509cert", "")]:
        if text and certificate_body(text) not in certificates:
            try:
                certificate_load(text)
            except ValueError as error:
                raise FederationRejected("metadata_invalid", detail="bad certificate") from error
            certificates.append(certificate_body(text))
    sso = (idp.get("singleSignOnService") or {}).get("url", "")
    if not idp.get("entityId") or not sso:
        raise FederationRejected("metadata_invalid", detail="no IdP entity id or SSO endpoint")
    if not certificates:
        raise FederationRejected("metadata_invalid", detail="no signing certificate")
    return IdpMetadata(
        entity_id=idp["entityId"],
        sso_url=sso,
        slo_url=(idp.get("singleLogoutService") or {}).get("url", ""),
        certificates=tuple(certificates),
    )
