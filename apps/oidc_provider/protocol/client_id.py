"""Which client a token request claims to be, before anything is verified.

RFC 6749 section 2.3.1: a confidential client sends ``client_id:client_secret`` in HTTP
Basic (each part form-urlencoded, RFC 7617 splits on the first colon); any client may
instead send ``client_id`` as a form parameter. Used to key per-client rate limits, so a
garbled header yields an empty id (the per-IP limit still applies) rather than an error.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

MAX_CLIENT_ID_LENGTH = 255


def token_request_client_id(*, authorization: str, form_client_id: str) -> str:
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return unquote_plus(decoded.split(":", 1)[0])[:MAX_CLIENT_ID_LENGTH]
    return form_client_id[:MAX_CLIENT_ID_LENGTH]
