"""SAML Bindings 2.0: HTTP-Redirect (section 3.4) and HTTP-POST (section 3.5).

HTTP-Redirect carries the message DEFLATE-compressed and base64-encoded in the query;
its signature (3.4.4.1) is over the octets ``SAMLRequest=…&RelayState=…&SigAlg=…`` *as
they were URL-encoded by the sender*, so verification works on the raw query string,
never on re-encoded values.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus

from apps.saml_idp.processors.signatures import redirect_signature_sign
from apps.saml_idp.processors.xml import RSA_SHA256, SamlError

# SAML Bindings 3.4.4.1: RelayState MUST NOT exceed 80 bytes. Some SPs send more; refuse
# far beyond it rather than carry arbitrary data through the IdP.
RELAY_STATE_MAX = 1024


@dataclass(frozen=True)
class RedirectMessage:
    """A decoded HTTP-Redirect message and what its signature must cover."""

    xml: bytes
    relay_state: str | None
    sig_alg: str | None
    signature: bytes | None
    signed_query: str


def _raw_params(query_string: str) -> dict[str, str]:
    raw: dict[str, str] = {}
    for part in query_string.split("&"):
        name, _, value = part.partition("=")
        if name in raw:
            raise SamlError(f"parameter {name} appears more than once")
        raw[name] = value
    return raw


def redirect_decode(query_string: str, *, kind: str, max_bytes: int) -> RedirectMessage:
    """``kind`` is ``SAMLRequest`` or ``SAMLResponse``."""
    raw = _raw_params(query_string)
    if kind not in raw:
        raise SamlError(f"{kind} is missing")
    try:
        compressed = base64.b64decode(unquote_plus(raw[kind]), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SamlError(f"{kind} is not DEFLATE + base64 encoded") from error
    xml = _inflate(compressed, max_bytes=max_bytes, kind=kind)
    relay_state = unquote_plus(raw["RelayState"]) if "RelayState" in raw else None
    if relay_state is not None and len(relay_state) > RELAY_STATE_MAX:
        raise SamlError("RelayState is too long")
    signed_parts = [f"{kind}={raw[kind]}"]
    if "RelayState" in raw:
        signed_parts.append(f"RelayState={raw['RelayState']}")
    sig_alg = signature = None
    if "Signature" in raw:
        if "SigAlg" not in raw:
            raise SamlError("Signature without SigAlg")
        sig_alg = unquote_plus(raw["SigAlg"])
        signed_parts.append(f"SigAlg={raw['SigAlg']}")
        try:
            signature = base64.b64decode(unquote_plus(raw["Signature"]), validate=True)
        except (binascii.Error, ValueError) as error:
            raise SamlError("Signature is not base64") from error
    return RedirectMessage(
        xml=xml,
        relay_state=relay_state,
        sig_alg=sig_alg,
        signature=signature,
        signed_query="&".join(signed_parts),
    )


def _inflate(compressed: bytes, *, max_bytes: int, kind: str) -> bytes:
    """Raw DEFLATE (RFC 1951), bounded: a deflate bomb stops at ``max_bytes``."""
    inflater = zlib.decompressobj(-15)
    try:
        xml = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as error:
        raise SamlError(f"{kind} is not DEFLATE + base64 encoded") from error
    if len(xml) > max_bytes or inflater.unconsumed_tail:
        raise SamlError(f"message larger than {max_bytes} bytes")
    return xml


def redirect_encode(
    *, url: str, kind: str, xml: bytes, relay_state: str | None, key_pem: str | None
) -> str:
    """The URL to send the browser to; signed when ``key_pem`` is given."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    deflated = compressor.compress(xml) + compressor.flush()
    parts = [f"{kind}={quote(base64.b64encode(deflated).decode('ascii'), safe='')}"]
    if relay_state:
        parts.append(f"RelayState={quote(relay_state, safe='')}")
    if key_pem:
        parts.append(f"SigAlg={quote(RSA_SHA256, safe='')}")
        signature = redirect_signature_sign("&".join(parts), key_pem=key_pem)
        parts.append(f"Signature={quote(base64.b64encode(signature).decode('ascii'), safe='')}")
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{'&'.join(parts)}"


def post_decode(value: str, *, max_bytes: int) -> bytes:
    """The XML of an HTTP-POST form field (base64, not compressed: section 3.5.4)."""
    # base64 grows the message by 4/3: refuse before decoding anything larger.
    if len(value) > max_bytes * 4 // 3 + 8:
        raise SamlError(f"message larger than {max_bytes} bytes")
    try:
        data = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SamlError("the message is not base64 encoded") from error
    if data.lstrip()[:1] == b"<":
        return data
    # Section 3.5.4 says HTTP-POST messages are not compressed, but node-saml (passport-
    # saml) DEFLATEs its POSTed AuthnRequests by default: accept that, bounded as for the
    # Redirect binding, rather than refuse every such application.
    return _inflate(data, max_bytes=max_bytes, kind="the message")


def post_encode(xml: bytes) -> str:
    return base64.b64encode(xml).decode("ascii")
