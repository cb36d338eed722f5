"""The API speaks JSON only; problem documents are JSON too (RFC 9457 section 3)."""

from __future__ import annotations

from rest_framework.renderers import JSONRenderer


class KeywayJSONRenderer(JSONRenderer):
    # Accept: application/problem+json alone must not turn an error into a 406.
    media_type = "application/json"
    format = "json"
    strict = True  # NaN and Infinity are not JSON (RFC 8259 section 6)
