"""Taking a SAML message off an HTTP request, whichever binding carried it, and checking
the sender's signature on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from apps.common.conf import keyway_settings
from apps.saml_idp.models import ServiceProvider
from apps.saml_idp.processors import bindings
from apps.saml_idp.processors.signatures import (
    enveloped_signature_verify,
    redirect_signature_verify,
)
from apps.saml_idp.processors.xml import DS, SamlError


@dataclass(frozen=True)
class Inbound:
    kind: str  # SAMLRequest | SAMLResponse
    xml: bytes
    relay_state: str | None
    redirect: bindings.RedirectMessage | None  # None for HTTP-POST


def inbound_message(request: HttpRequest) -> Inbound:
    """The message of a GET (HTTP-Redirect) or POST (HTTP-POST). Raises SamlError."""
    max_bytes = keyway_settings.SAML_MESSAGE_MAX_BYTES
    if request.method == "GET":
        query = request.META.get("QUERY_STRING", "")
        kinds = [k for k in ("SAMLRequest", "SAMLResponse") if f"{k}=" in query]
        if len(kinds) != 1:
            raise SamlError("the query must carry exactly one of SAMLRequest or SAMLResponse")
        kind = kinds[0]
        redirect = bindings.redirect_decode(query, kind=kind, max_bytes=max_bytes)
        return Inbound(kind, redirect.xml, redirect.relay_state, redirect)
    kinds = [k for k in ("SAMLRequest", "SAMLResponse") if k in request.POST]
    if len(kinds) != 1:
        raise SamlError("the form must carry exactly one of SAMLRequest or SAMLResponse")
    relay_state = request.POST.get("RelayState")
    if relay_state is not None and len(relay_state) > bindings.RELAY_STATE_MAX:
        raise SamlError("RelayState is too long")
    xml = bindings.post_decode(request.POST[kinds[0]], max_bytes=max_bytes)
    return Inbound(kinds[0], xml, relay_state, None)


def signature_check(
    sp: ServiceProvider, root: Any, redirect: bindings.RedirectMessage | None
) -> bool:
    """Verify the sender's signature in either binding. True when signed and valid, False
    when unsigned; raises SamlError for a signature that does not verify."""
    embedded = root.find(f"{DS}Signature") is not None
    if redirect is not None:
        if redirect.signature is None:
            if embedded:
                # Bindings 3.4.4.1: the XML signature is removed for this binding.
                raise SamlError("HTTP-Redirect messages are signed in the query, not the XML")
            return False
        _certificate(sp)
        redirect_signature_verify(
            redirect.signed_query,
            signature=redirect.signature,
            algorithm=redirect.sig_alg or "",
            cert_pem=sp.signing_certificate,
        )
        return True
    if not embedded:
        return False
    _certificate(sp)
    return enveloped_signature_verify(root, cert_pem=sp.signing_certificate)


def _certificate(sp: ServiceProvider) -> None:
    if not sp.signing_certificate:
        raise SamlError("the message is signed but the SP registered no signing certificate")
