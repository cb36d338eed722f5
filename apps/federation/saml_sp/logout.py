"""SAML Single Logout as a service provider (SAML Profiles 2.0 section 4.4), HTTP-Redirect
binding only (what Keyway's SP metadata advertises).

Inbound: a LogoutRequest from the upstream IdP must be signed (the redirect binding's
``Signature`` query parameter, SAML Bindings 3.4.4.1), come from the registered issuer and
be addressed to this endpoint; the answer is a signed LogoutResponse. Outbound: a signed
LogoutRequest naming the NameID and SessionIndex the IdP gave at sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.errors import OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from apps.federation.errors import FederationRejected
from apps.federation.saml_sp.xml_guard import xml_untrusted_check


@dataclass(frozen=True)
class InboundLogout:
    name_id: str
    session_indexes: tuple[str, ...]
    redirect_url: str  # the LogoutResponse, back to the IdP


def _signed_settings(settings: dict[str, Any]) -> dict[str, Any]:
    # Logout messages must carry a signature; responses to sign-in are checked separately.
    return {**settings, "security": {**settings["security"], "wantMessagesSigned": True}}


def logout_request_accept(
    *, settings: dict[str, Any], request_data: dict[str, Any]
) -> InboundLogout:
    encoded = request_data["get_data"].get("SAMLRequest", "")
    try:
        xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(encoded)
    except Exception as error:
        raise FederationRejected("logout_request_malformed") from error
    xml_untrusted_check(xml if isinstance(xml, bytes) else xml.encode("utf-8"))
    auth = OneLogin_Saml2_Auth(request_data, _signed_settings(settings))
    try:
        redirect_url = auth.process_slo(keep_local_session=True)
    except (OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError) as error:
        raise FederationRejected("logout_request_invalid", detail=str(error)) from error
    if auth.get_errors():
        raise FederationRejected(
            "logout_request_invalid", detail=auth.get_last_error_reason() or ""
        )
    last = auth.get_last_request_xml()
    return InboundLogout(
        name_id=OneLogin_Saml2_Logout_Request.get_nameid(last),
        session_indexes=tuple(OneLogin_Saml2_Logout_Request.get_session_indexes(last)),
        redirect_url=redirect_url or "",
    )


def logout_request_url(
    *,
    settings: dict[str, Any],
    request_data: dict[str, Any],
    name_id: str,
    name_id_format: str,
    session_index: str,
    return_to: str,
) -> str:
    auth = OneLogin_Saml2_Auth(request_data, settings)
    return auth.logout(
        return_to=return_to,
        name_id=name_id,
        session_index=session_index or None,
        name_id_format=name_id_format or None,
    )


def logout_response_accept(*, settings: dict[str, Any], request_data: dict[str, Any]) -> None:
    """The IdP's answer to Keyway's LogoutRequest: signed, from the registered issuer."""
    auth = OneLogin_Saml2_Auth(request_data, _signed_settings(settings))
    try:
        auth.process_slo(keep_local_session=True)
    except (OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError) as error:
        raise FederationRejected("logout_response_invalid", detail=str(error)) from error
    if auth.get_errors():
        raise FederationRejected(
            "logout_response_invalid", detail=auth.get_last_error_reason() or ""
        )


def sp_metadata(*, settings: dict[str, Any]) -> str:
    metadata = OneLogin_Saml2_Settings(settings, sp_validation_only=True).get_sp_metadata()
    return metadata.decode("utf-8") if isinstance(metadata, bytes) else metadata
