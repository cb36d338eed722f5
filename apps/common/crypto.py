"""Encryption of secrets at rest (private signing keys) with keys from the environment.

Fernet (AES-128-CBC + HMAC-SHA256, authenticated) through ``MultiFernet``: the first key
of ``KEYWAY["KEY_ENCRYPTION_KEYS"]`` encrypts, every key in the list decrypts, so a new
key is rolled out by putting it first and keeping the old ones after it until nothing
encrypted with them is left (signing keys are re-created on every rotation, so after a
rotation and a prune the old keys can be dropped).

With an empty list (local development, tests) one Fernet key is derived from
``SECRET_KEY`` with HKDF; ``manage.py check --deploy`` refuses that (keyway.E005), because
it ties the signing keys to a secret that is rotated for unrelated reasons.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from apps.common.conf import keyway_settings

__all__ = [
    "InvalidToken",
    "encryption_key_problems",
    "secret_decrypt",
    "secret_encrypt",
]

# HKDF "info" binds the derived key to this one purpose (RFC 5869 section 3.2): the same
# SECRET_KEY also signs sessions and CSRF tokens, and must never yield the same bytes here.
_DERIVATION_INFO = b"keyway/key-encryption-key/v1"


def _derived_fernet_key(secret_key: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(
        secret_key.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw)


def encryption_key_problems(keys: object) -> list[str]:
    """Why ``keys`` is not a usable KEY_ENCRYPTION_KEYS value, as one message per problem.

    Used by the system check; never includes the key material itself in a message.
    """
    if not isinstance(keys, list | tuple):
        return ["must be a list of Fernet keys"]
    problems = []
    for position, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError, binascii.Error):
            problems.append(
                f"key #{position + 1} is not a Fernet key (32 url-safe base64-encoded bytes)"
            )
    return problems


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    # Keyed by the setting values themselves, so override_settings in tests (or any other
    # change) gets a fresh object without a setting_changed receiver; parsing happens once
    # per distinct configuration.
    if keys:
        return MultiFernet([Fernet(key) for key in keys])
    return MultiFernet([Fernet(_derived_fernet_key(secret_key))])


def _current() -> MultiFernet:
    keys: Iterable[str] = keyway_settings.KEY_ENCRYPTION_KEYS
    return _multi_fernet(tuple(keys), settings.SECRET_KEY)


def secret_encrypt(data: bytes) -> bytes:
    """Encrypt ``data`` with the newest key-encryption key; returns a Fernet token."""
    return _current().encrypt(data)


def secret_decrypt(token: bytes) -> bytes:
    """Decrypt a token made by :func:`secret_encrypt` with any configured key.

    Raises ``cryptography.fernet.InvalidToken`` (re-exported here) when no configured key
    decrypts it or the token was altered.
    """
    return _current().decrypt(bytes(token))
