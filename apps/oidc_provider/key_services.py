"""Signing key writes: creating, rotating and pruning keys (signing lives in ``keys``)."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from django.db import connection, transaction
from django.utils import timezone
from jwcrypto import jwk

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.common.crypto import secret_encrypt
from apps.oidc_provider.keys import (
    KEY_TYPES,
    KeyStatus,
    KeyTimes,
    keys_cache_clear,
    signing_key_statuses,
)
from apps.oidc_provider.models import SigningAlgorithm, SigningKey

# RSA-2048 (112-bit security, NIST SP 800-57 part 1: acceptable through 2030). These keys
# sign assertions that live an hour and are replaced at every rotation, so raising the size
# later is this one constant. bench/signing_keys.py: RSA-3072 signs ~2.4x slower
# (~1.1 ms vs ~0.45 ms per ID token) and parses ~3x slower (~125 ms vs ~40 ms).
RSA_KEY_SIZE = 2048
RSA_PUBLIC_EXPONENT = 65537

# Threads of one process bootstrap one at a time; processes are serialized by a database
# lock where the database has one (PostgreSQL). Elsewhere two processes may each create a
# key, which is harmless: the newer one wins and the other stays published.
_bootstrap_lock = threading.Lock()


def _private_key_generate(algorithm: str) -> PrivateKeyTypes:
    if algorithm == SigningAlgorithm.RS256:
        return rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_SIZE)
    # RFC 7518 section 3.4: ES256 is ECDSA using P-256 and SHA-256.
    return ec.generate_private_key(ec.SECP256R1())


def _key_ordering() -> tuple[str, ...]:
    # The current-key rule of keys.KeyTimes.order, as a queryset ordering.
    return ("-active_from", "-created_at", "-pk")


def signing_key_create(*, algorithm: str, active_from: datetime | None = None) -> SigningKey:
    """Generate and store a key for ``algorithm``, published from now.

    ``active_from`` defaults to now + SIGNING_KEY_ACTIVATION_DELAY: a key that signs before
    relying parties have fetched it fails their verification. Pass a time explicitly to do
    otherwise (the first key of an algorithm, tests).

    The kid is the RFC 7638 JWK thumbprint (SHA-256): stable, derived from the key, and
    checked against the key whenever it is loaded. The private key is stored as PKCS#8
    PEM, encrypted with ``secret_encrypt``; the public JWK (RFC 7517 section 4, with
    ``kid``, ``alg`` and ``use``) in the clear.
    """
    if algorithm not in KEY_TYPES:
        raise ValueError(f"Unsupported signing algorithm: {algorithm!r}.")
    if active_from is None:
        active_from = timezone.now() + timedelta(
            seconds=keyway_settings.SIGNING_KEY_ACTIVATION_DELAY
        )
    private_key = _private_key_generate(algorithm)
    key = jwk.JWK.from_pyca(private_key)
    kid = key.thumbprint()
    public_jwk = {**key.export_public(as_dict=True), "kid": kid, "alg": algorithm, "use": "sig"}
    pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),  # Fernet encrypts it just below
    )
    signing_key = SigningKey.objects.create(
        kid=kid,
        algorithm=algorithm,
        private_key_encrypted=secret_encrypt(pem),
        public_jwk=public_jwk,
        active_from=active_from,
    )
    keys_cache_clear()
    return signing_key


def _database_lock(name: str) -> None:
    """Hold a transaction-scoped lock named ``name`` where the database offers one."""
    if connection.vendor == "postgresql":
        lock_id = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def signing_key_bootstrap(*, algorithm: str) -> SigningKey | None:
    """Create a key active at once if no key of ``algorithm`` can sign; else None.

    Called by ``keys`` on first use. Activating at once is safe only here: no key of this
    algorithm has signed anything, so no relying party can be holding a token or a JWK Set
    entry it would miss.
    """
    with _bootstrap_lock, transaction.atomic():
        _database_lock(f"keyway.signing_key_bootstrap.{algorithm}")
        now = timezone.now()
        # Re-checked under the lock: the process that held it before us created one.
        if SigningKey.objects.filter(algorithm=algorithm, active_from__lte=now).exists():
            return None
        key = signing_key_create(algorithm=algorithm, active_from=now)
        event_record(
            type="signing_key.bootstrapped",
            outcome=Outcome.SUCCESS,
            data={"kid": key.kid, "algorithm": algorithm, "active_from": now.isoformat()},
        )
    return key


def signing_keys_rotate(
    *, algorithms: list[str] | None = None, activation_delay: int | None = None
) -> list[SigningKey]:
    """Create a new key for each algorithm: published now, signing after the delay.

    ``activation_delay`` defaults to SIGNING_KEY_ACTIVATION_DELAY, which the system checks
    keep above JWKS_MAX_AGE + SIGNING_KEY_CACHE_SECONDS so that every relying party and
    every Keyway process has the key before it signs. The first key of an algorithm is
    active at once (see ``signing_key_bootstrap``). The old key stops signing when the new
    one becomes active and stays published until its tokens have expired.
    """
    algorithms = list(KEY_TYPES) if algorithms is None else list(dict.fromkeys(algorithms))
    unknown = [a for a in algorithms if a not in KEY_TYPES]
    if unknown:
        raise ValueError(f"Unsupported signing algorithms: {', '.join(map(str, unknown))}.")
    delay = (
        keyway_settings.SIGNING_KEY_ACTIVATION_DELAY
        if activation_delay is None
        else activation_delay
    )
    if delay < 0:
        raise ValueError("The activation delay cannot be negative.")
    now = timezone.now()
    created = []
    with transaction.atomic():
        for algorithm in algorithms:
            previous = (
                SigningKey.objects.filter(algorithm=algorithm, active_from__lte=now)
                .order_by(*_key_ordering())
                .values_list("kid", flat=True)
                .first()
            )
            first = not SigningKey.objects.filter(algorithm=algorithm).exists()
            active_from = now if first else now + timedelta(seconds=delay)
            key = signing_key_create(algorithm=algorithm, active_from=active_from)
            event_record(
                type="signing_key.rotated",
                outcome=Outcome.SUCCESS,
                data={
                    "kid": key.kid,
                    "algorithm": algorithm,
                    "active_from": active_from.isoformat(),
                    "activation_delay": 0 if first else delay,
                    "previous_kid": previous,
                },
            )
            created.append(key)
    keys_cache_clear()
    return created


def signing_keys_prune(*, now: datetime | None = None) -> int:
    """Delete the keys that are no longer published; returns how many.

    A key is unpublished once superseded for longer than ``keys.signing_key_retention()``;
    the current and pending keys never are. ``now`` is for tests.
    """
    now = timezone.now() if now is None else now
    with transaction.atomic():
        times = [
            KeyTimes(pk, kid, algorithm, created_at, active_from)
            for pk, kid, algorithm, created_at, active_from in SigningKey.objects.values_list(
                "pk", "kid", "algorithm", "created_at", "active_from"
            )
        ]
        statuses = signing_key_statuses(keys=times, now=now)
        doomed = [t for t in times if statuses[t.pk] == KeyStatus.UNPUBLISHED]
        if not doomed:
            return 0
        SigningKey.objects.filter(pk__in=[t.pk for t in doomed]).delete()
        event_record(
            type="signing_key.pruned",
            outcome=Outcome.SUCCESS,
            data={
                "count": len(doomed),
                "keys": [{"kid": t.kid, "algorithm": t.algorithm} for t in doomed],
            },
        )
    keys_cache_clear()
    return len(doomed)
