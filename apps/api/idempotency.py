"""``Idempotency-Key`` on POST (draft-ietf-httpapi-idempotency-key-header).

The first answer to a key is kept for API_IDEMPOTENCY_TTL seconds (24 h) in the cache,
per caller; the same key with the same request gets that answer again (with
``Idempotent-Replayed: true``), with a different request a 422 problem, and while the
first is still being processed a 409. Server errors and rate-limit answers are not kept,
so the caller can retry them with the same key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from apps.api.authentication import principal_key
from apps.api.problems import Conflict, UnprocessableIdempotencyKey
from apps.common.conf import keyway_settings

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255
_PENDING_TTL = 300
_NOT_KEPT = {409, 429}


@dataclass(frozen=True)
class Replay(Exception):
    """Raised instead of running the view: answer with the stored response."""

    status: int
    body: str
    content_type: str
    location: str


@dataclass(frozen=True)
class Claim:
    cache_key: str
    fingerprint: str
    keeps_body: bool = True


def _canonical(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": digest.hexdigest()}
    if hasattr(value, "lists"):  # QueryDict: keep repeated fields
        return {k: [_canonical(v) for v in vs] for k, vs in value.lists()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def fingerprint(request: Request) -> str:
    """The request as far as sameness goes: method, path, query and parsed body."""
    payload = {
        "method": request.method,
        "path": request.path,
        "query": request.META.get("QUERY_STRING", ""),
        "body": _canonical(request.data),
        "files": _canonical(dict(request.FILES)) if request.FILES else {},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def claim(request: Request, *, keeps_body: bool = True) -> Claim | None:
    """Before the view runs: None without a key; raises Replay, 409 or 422 as needed.

    ``keeps_body`` False (answers carrying a client secret): the answer is not stored, so
    a repeat gets a 409 saying so rather than the secret a second time.
    """
    key = request.META.get(HEADER)
    if key is None or request.method != "POST" or request.user is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError({"Idempotency-Key": ["Must be 1 to 255 printable characters."]})
    scope = hashlib.sha256(f"{principal_key(request)}\n{key}".encode()).hexdigest()
    cache_key = f"api:idempotency:{scope}"
    mine = fingerprint(request)
    claimed = Claim(cache_key=cache_key, fingerprint=mine, keeps_body=keeps_body)
    if cache.add(cache_key, {"state": "pending", "fingerprint": mine}, _PENDING_TTL):
        return claimed
    stored = cache.get(cache_key)
    if stored is None:  # expired between add and get: treat as first use
        cache.set(cache_key, {"state": "pending", "fingerprint": mine}, _PENDING_TTL)
        return claimed
    if stored["fingerprint"] != mine:
        raise UnprocessableIdempotencyKey()
    if stored["state"] == "pending":
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    if stored["state"] == "secret":
        raise Conflict(
            "This Idempotency-Key was already used; its answer carried a secret, which is "
            "shown only once and not kept. Read the resource instead."
        )
    raise Replay(
        status=stored["status"],
        body=stored["body"],
        content_type=stored["content_type"],
        location=stored.get("location", ""),
    )


def record(claim_: Claim, *, status: int, body: bytes, content_type: str, location: str) -> None:
    """After the view: keep the answer, or free the key for a retry."""
    if status >= 500 or status in _NOT_KEPT:
        cache.delete(claim_.cache_key)
        return
    if not claim_.keeps_body and status < 400:
        record_ = {"state": "secret", "fingerprint": claim_.fingerprint}
        cache.set(claim_.cache_key, record_, keyway_settings.API_IDEMPOTENCY_TTL)
        return
    cache.set(
        claim_.cache_key,
        {
            "state": "done",
            "fingerprint": claim_.fingerprint,
            "status": status,
            "body": body.decode("utf-8"),
            "content_type": content_type,
            "location": location,
        },
        keyway_settings.API_IDEMPOTENCY_TTL,
    )
