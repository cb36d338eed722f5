"""Validating a SAML Response to one of Keyway's AuthnRequests (Web Browser SSO Profile,
SAML Profiles 2.0 section 4.1.4.3) with python3-saml in strict mode, plus Keyway's checks.

python3-saml verifies the XML signature with the registered certificates and guards
against signature wrapping (only the element the signature references is read; exactly
one assertion), reads NameID text without being cut short by comments (CVE-2017-11427),
and checks Destination, Audience, Recipient, Issuer and the timestamps. Keyway adds:
no DOCTYPE at all, an InResponseTo that names an outstanding request (used once), a
configurable clock skew, and an assertion-id replay cache.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from onelogin.saml2.errors import OneLogin_Saml2_ValidationError
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from apps.federation.errors import FederationRejected
from apps.federation.saml_sp.stores import assertion_first_use, outstanding_request_take
from apps.federation.saml_sp.xml_guard import xml_untrusted_check

# python3-saml's error codes by name, so the audit log says "wrong_audience", not "9".
_REASONS = {
    value: name.lower()
    for name, value in vars(OneLogin_Saml2_ValidationError).items()
    if name.isupper() and isinstance(value, int)
}


@dataclass(frozen=True)
class SamlAssertion:
    name_id: str
    name_id_format: str
    session_index: str
    attributes: dict[str, list[str]]
    authn_contexts: tuple[str, ...]
    assertion_id: str
    next_url: str


class _SkewedResponse(OneLogin_Saml2_Response):
    """python3-saml's Response with Keyway's clock skew for the Conditions window.

    (python3-saml 1.16 also calls this method with ``raise_exceptions=True``, which its
    own signature does not accept: overriding it is needed for timestamps to work at all.)
    """

    skew_seconds = 0

    def validate_timestamps(self, raise_exceptions: bool = True) -> bool:
        now = OneLogin_Saml2_Utils.now()
        for conditions in self._query_assertion("/saml:Conditions"):
            not_before = conditions.get("NotBefore")
            not_after = conditions.get("NotOnOrAfter")
            if not_before and OneLogin_Saml2_Utils.parse_SAML_to_time(not_before) > (
                now + self.skew_seconds
            ):
                raise OneLogin_Saml2_ValidationError(
                    "Assertion not yet valid.", OneLogin_Saml2_ValidationError.ASSERTION_TOO_EARLY
                )
            if (
                not_after
                and OneLogin_Saml2_Utils.parse_SAML_to_time(not_after) + self.skew_seconds <= now
            ):
                raise OneLogin_Saml2_ValidationError(
                    "Assertion expired.", OneLogin_Saml2_ValidationError.ASSERTION_EXPIRED
                )
        return True


def _attributes(response: OneLogin_Saml2_Response) -> dict[str, list[str]]:
    """Attributes by Name and, where that does not clash, by FriendlyName (pysaml2 and
    Shibboleth send ``urn:mace:dir:attribute-def:mail`` with FriendlyName ``mail``)."""
    merged = {**response.get_friendlyname_attributes(), **response.get_attributes()}
    return {name: [str(value) for value in values] for name, values in merged.items()}


def _decode(saml_response: str) -> bytes:
    if not saml_response:
        raise FederationRejected("no_saml_response")
    try:
        return base64.b64decode(saml_response, validate=True)
    except (binascii.Error, ValueError) as error:
        raise FederationRejected("not_base64") from error


def response_validate(
    *,
    settings: dict[str, Any],
    request_data: dict[str, Any],
    saml_response: str,
    slug: str,
    skew_seconds: int,
) -> SamlAssertion:
    """The validated assertion, or FederationRejected with the reason."""
    xml_untrusted_check(_decode(saml_response))
    response_class = type("Response", (_SkewedResponse,), {"skew_seconds": skew_seconds})
    try:
        response = response_class(
            OneLogin_Saml2_Settings(settings, sp_validation_only=True), saml_response
        )
        in_response_to = response.get_in_response_to()
        if not in_response_to:
            raise FederationRejected("unsolicited_response")
        response.is_valid(request_data, request_id=in_response_to, raise_exceptions=True)
    except OneLogin_Saml2_ValidationError as error:
        raise FederationRejected(
            _REASONS.get(error.code, "invalid_response"), detail=str(error)
        ) from error
    except FederationRejected:
        raise
    except Exception as error:
        raise FederationRejected("invalid_response", detail=repr(error)) from error

    assertion_id = response.get_assertion_id() or ""
    not_after = response.get_assertion_not_on_or_after() or OneLogin_Saml2_Utils.now()
    ttl = int(not_after - OneLogin_Saml2_Utils.now()) + skew_seconds
    if not assertion_id or not assertion_first_use(slug=slug, assertion_id=assertion_id, ttl=ttl):
        raise FederationRejected("assertion_replayed")
    outstanding = outstanding_request_take(slug=slug, request_id=in_response_to)
    if outstanding is None:
        raise FederationRejected("unknown_in_response_to")
    return SamlAssertion(
        name_id=response.get_nameid() or "",
        name_id_format=response.get_nameid_format() or "",
        session_index=response.get_session_index() or "",
        attributes=_attributes(response),
        authn_contexts=tuple(response.get_authn_contexts() or ()),
        assertion_id=assertion_id,
        next_url=outstanding.get("next", ""),
    )
