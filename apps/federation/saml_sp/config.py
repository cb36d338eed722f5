"""python3-saml settings for Keyway as a SAML service provider towards one upstream IdP.

Strict mode makes python3-saml check Destination, Audience, Recipient, Issuer, the
schema and the timestamps (SAML Core 2.0 sections 3.2.2, 2.5.1.4, 2.4.1.2; Profiles 4.1.4.3).
Security options: AuthnRequests and LogoutRequests/Responses are signed (Profiles 4.1.3.3),
a signature over the assertion or the whole response is required (python3-saml refuses a
response with neither), and SHA-1 signatures are refused (``rejectDeprecatedAlgorithm``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onelogin.saml2.constants import OneLogin_Saml2_Constants as C

NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"


@dataclass(frozen=True)
class SpEndpoints:
    entity_id: str
    acs_url: str
    slo_url: str


def sp_endpoints(*, base_url: str, slug: str) -> SpEndpoints:
    """Keyway's SP URLs for the source ``slug``; the entity id is the metadata URL."""
    root = f"{base_url.rstrip('/')}/federation/saml/{slug}"
    return SpEndpoints(entity_id=f"{root}/metadata", acs_url=f"{root}/acs", slo_url=f"{root}/slo")


def saml_settings(
    *,
    endpoints: SpEndpoints,
    sp_certificate: str,
    sp_private_key: str,
    idp_entity_id: str,
    idp_sso_url: str,
    idp_slo_url: str,
    idp_certificates: list[str],
) -> dict[str, Any]:
    idp: dict[str, Any] = {
        "entityId": idp_entity_id,
        "singleSignOnService": {"url": idp_sso_url, "binding": C.BINDING_HTTP_REDIRECT},
        # Every published signing certificate verifies, so a rollover needs no downtime.
        "x509certMulti": {"signing": list(idp_certificates)},
    }
    if idp_slo_url:
        idp["singleLogoutService"] = {"url": idp_slo_url, "binding": C.BINDING_HTTP_REDIRECT}
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": endpoints.entity_id,
            "assertionConsumerService": {"url": endpoints.acs_url, "binding": C.BINDING_HTTP_POST},
            "singleLogoutService": {"url": endpoints.slo_url, "binding": C.BINDING_HTTP_REDIRECT},
            "NameIDFormat": NAMEID_UNSPECIFIED,
            "x509cert": sp_certificate,
            "privateKey": sp_private_key,
        },
        "idp": idp,
        "security": {
            "authnRequestsSigned": True,
            "logoutRequestSigned": True,
            "logoutResponseSigned": True,
            "signMetadata": False,
            # Either signature protects the assertion; which one an IdP uses is its choice
            # (Okta and Entra ID sign the response, ADFS and Shibboleth the assertion).
            "wantAssertionsSigned": False,
            "wantMessagesSigned": False,
            "wantNameId": True,
            "wantAttributeStatement": False,
            "wantAssertionsEncrypted": False,
            "rejectDeprecatedAlgorithm": True,
            "requestedAuthnContext": False,
            "signatureAlgorithm": C.RSA_SHA256,
            "digestAlgorithm": C.SHA256,
            "allowRepeatAttributeName": True,
            # Loopback and single-label hosts (127.0.0.1, localhost) in development.
            "allowSingleLabelDomains": True,
        },
    }
