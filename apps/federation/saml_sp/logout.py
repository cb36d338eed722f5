"""SAML Single Logout as a service provider (SAML Profiles 2.0 section 4.4), HTTP-Redirect
binding only (what Keyway's SP metadata advertises).

Inbound: a LogoutRequest from the upstream IdP must be signed (the redirect binding's
``Signature`` query parameter, SAML Bindings 3.4.4.1), come from the registered issuer and
be addressed to this endpoint; the answer is a signed LogoutResponse. Outbound: a signed
LogoutRequest naming the NameID and SessionIndex the IdP gave at sign-in.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from typing import Any

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from apps.federation.errors import FederationRejected
from apps.federation.saml_sp.xml_guard import MAX_XML_BYTES, xml_untrusted_check


@dataclass(frozen=True)
class InboundLogout:
    name_id: str
    session_indexes: tuple[str, ...]
    redirect_url: str  # the LogoutResponse, back to the IdP


def _signed_settings(settings: dict[str, Any]) -> dict[str, Any]:
    # Logout messages must carry a signature; responses to sign-in are checked separately.
    return {**settings, "security": {**settings["security"], "wantMessagesSigned": True}}


def _redirect_message_check(encoded: str) -> None:
    """Inflate the HTTP-Redirect message (raw DEFLATE, SAML Bindings 3.4.4.1) with a bound,
    so a deflate bomb stops here, then apply the XML guard."""
    try:
        raw = base64.b64decode(encoded, validate=False)
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        xml = inflater.decompress(raw, MAX_XML_BYTES + 1)
    except (binascii.Error, ValueError, zlib.error) as error:
        raise FederationRejected("logout_message_malformed") from error
    if not xml:
        raise FederationRejected("logout_message_malformed")
    if len(xml) > MAX_XML_BYTES or inflater.unconsumed_tail:
        raise FederationRejected("xml_too_large")
    xml_untrusted_check(xml)


def _process_slo(
    *, settings: dict[str, Any], request_data: dict[str, Any], parameter: str, reason: str
) -> OneLogin_Saml2_Auth:
    _redirect_message_check(request_data["get_data"].get(parameter, ""))
    auth = OneLogin_Saml2_Auth(request_data, _signed_settings(settings))
    try:
        auth.redirect_url = auth.process_slo(keep_local_session=True)
    except Exception as error:
        raise FederationRejected(reason, detail=repr(error)) from error
    if auth.get_errors():
        raise FederationRejected(reason, detail=auth.get_last_error_reason() or "")
    return auth


def logout_request_accept(
    *, settings: dict[str, Any], request_data: dict[str, Any]
) -> InboundLogout:
    auth = _process_slo(
        settings=settings,
        request_data=request_data,
        parameter="SAMLRequest",
        reason="logout_request_invalid",
    )
    last = auth.get_last_request_xml()
    return InboundLogout(
        name_id=OneLogin_Saml2_Logout_Request.get_nameid(last),
        session_indexes=tuple(OneLogin_Saml2_Logout_Request.get_session_indexes(last)),
        redirect_url=auth.redirect_url or "",
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
    _process_slo(
        settings=settings,
        request_data=request_data,
        parameter="SAMLResponse",
        reason="logout_response_invalid",
    )


def sp_metadata(*, settings: dict[str, Any]) -> str:
    metadata = OneLogin_Saml2_Settings(settings, sp_validation_only=True).get_sp_metadata()
    return metadata.decode("utf-8") if isinstance(metadata, bytes) else metadata
