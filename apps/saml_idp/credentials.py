"""Keyway's SAML signing credentials, parsed once per process.

Decrypting and loading a private key costs milliseconds (tens for an RSA PEM); the SSO
and SLO paths must not pay that per request. The rows are re-read at most every
``SIGNING_KEY_CACHE_SECONDS``; which credential signs is decided at call time, so a
rotated credential starts signing the moment its ``active_from`` passes.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from apps.common.conf import keyway_settings
from apps.common.crypto import secret_decrypt
from apps.saml_idp.models import IdpCredential
from apps.saml_idp.processors.response import Signer


@dataclass(frozen=True)
class _Loaded:
    id: int
    signer: Signer
    active_from: datetime
    retired_at: datetime | None


_lock = threading.Lock()
_cache: dict[str, object] = {"loaded_at": None, "rows": ()}


def credentials_cache_clear() -> None:
    with _lock:
        _cache["loaded_at"], _cache["rows"] = None, ()


def _rows() -> tuple[_Loaded, ...]:
    with _lock:
        loaded_at = _cache["loaded_at"]
        fresh = (
            loaded_at is not None
            and time.monotonic() - loaded_at < keyway_settings.SIGNING_KEY_CACHE_SECONDS
        )
        if fresh and _cache["rows"]:
            return _cache["rows"]
        known = {row.id: row for row in _cache["rows"]}
        rows = []
        for credential in IdpCredential.objects.all():
            row = known.get(credential.pk)
            if row is None:
                key_pem = secret_decrypt(bytes(credential.private_key_encrypted)).decode()
                row = _Loaded(
                    id=credential.pk,
                    signer=Signer(key_pem=key_pem, cert_pem=credential.certificate),
                    active_from=credential.active_from,
                    retired_at=credential.retired_at,
                )
            rows.append(row)
        _cache["loaded_at"], _cache["rows"] = time.monotonic(), tuple(rows)
        return _cache["rows"]


def signer_current() -> Signer:
    """The credential that signs now: the newest whose ``active_from`` has passed.
    Creates the first one on first use."""
    rows = _rows()
    if not rows:
        from apps.saml_idp.services import credential_create

        credential_create(active_from=timezone.now())
        credentials_cache_clear()
        rows = _rows()
    now = timezone.now()
    active = [
        r for r in rows if r.active_from <= now and (r.retired_at is None or r.retired_at > now)
    ]
    chosen = max(active or rows, key=lambda r: (r.active_from, r.id))
    return chosen.signer


def certificates_published() -> list[str]:
    """What the metadata lists: the signing certificate first, then pending and
    not-yet-retired ones (SPs that refresh metadata learn a new key before it signs)."""
    current = signer_current().cert_pem
    now = timezone.now()
    others = [
        r.signer.cert_pem
        for r in sorted(_rows(), key=lambda r: (r.active_from, r.id), reverse=True)
        if r.signer.cert_pem != current and (r.retired_at is None or r.retired_at > now)
    ]
    return [current, *others]
