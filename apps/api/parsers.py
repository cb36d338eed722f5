"""Request bodies: JSON with a size bound, read before parsing so an oversized body is
refused with 413 without being held in memory (DRF reads the WSGI stream directly, past
Django's DATA_UPLOAD_MAX_MEMORY_SIZE)."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser

from apps.api.problems import PayloadTooLarge
from apps.common.conf import keyway_settings


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def body_read(stream: Any, limit: int) -> bytes:
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    return data


def _unstorable(text: str) -> bool:
    # NUL cannot be stored in PostgreSQL text or jsonb, and an unpaired surrogate cannot be
    # encoded as UTF-8: both would fail at the database, so refuse them at the door.
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def text_check(value: Any, field: str = "") -> None:
    """Raise a 400 naming the top-level field whose value (or a key in it) is unstorable."""
    if isinstance(value, str):
        if _unstorable(value):
            raise ValidationError({field or "body": ["Contains a NUL or unpaired surrogate."]})
    elif isinstance(value, dict):
        for key, item in value.items():
            name = field or str(key)
            if _unstorable(key):
                raise ValidationError({name if field else "body": ["Contains a NUL key."]})
            text_check(item, name)
    elif isinstance(value, list):
        for item in value:
            text_check(item, field)


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None):
        limit = keyway_settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        data = body_read(stream, limit)
        try:
            parsed = json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise ParseError(f"The body is not valid JSON: {error}") from None
        try:
            text_check(parsed)
        except RecursionError:
            raise ParseError("The body is nested too deeply.") from None
        return parsed


class BoundedMultiPartParser(MultiPartParser):
    """Uploads (SiteMinder exports) up to API_IMPORT_MAX_BYTES."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None):
        request = (parser_context or {}).get("request")
        limit = keyway_settings.API_IMPORT_MAX_BYTES
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"The upload is larger than {limit} bytes.")
        return super().parse(stream, media_type, parser_context)
