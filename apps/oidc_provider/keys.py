"""The process-local signing key store: signs and verifies JWTs, publishes the JWK Set.

Lifecycle of a ``SigningKey`` (read from its timestamps, never from flags):

* **published** from creation: it appears in the JWK Set (RFC 7517 section 5) at once;
* **active** from ``active_from``: the current key of an algorithm is the newest key
  (greatest ``active_from``, then ``created_at``, then id) whose ``active_from`` has passed;
* **superseded** when the next newer key of the same algorithm becomes active;
* **unpublished** once every token it signed has expired: ``superseded_at`` plus
  :func:`signing_key_retention`. ``signing_keys_prune`` then deletes it.

Performance rule: keys are parsed once per process. The rows are re-read at most every
``SIGNING_KEY_CACHE_SECONDS`` (monotonic clock); a re-read parses only keys it has not
seen, and decrypts a private key only while that key can still sign (pending or current).
Which key is current is decided at call time from the cached rows, so a pending key
starts signing the moment its ``active_from`` passes even while the cache is fresh.

Everything JOSE goes through ``jwcrypto``; nothing here implements a signature scheme.
"""

from __future__ import annotations

import enum
import json
import logging
import math
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from jwcrypto import jwk, jws, jwt
from oauth2_provider.settings import oauth2_settings

from apps.common.conf import keyway_settings
from apps.common.crypto import secret_decrypt
from apps.oidc_provider.models import SigningAlgorithm, SigningKey

logger = logging.getLogger("keyway.signing_keys")

# RFC 7518 section 3.1: the algorithms Keyway signs with, and the key each one needs
# (section 3.3: RSA; section 3.4: ES256 is ECDSA on P-256 with SHA-256).
KEY_TYPES: dict[str, tuple[str, str | None]] = {
    SigningAlgorithm.RS256: ("RSA", None),
    SigningAlgorithm.ES256: ("EC", "P-256"),
}

# Relying parties' clocks drift; a token is accepted until ``exp`` on *their* clock, so a
# retired key stays published this much longer than the tokens it signed.
CLOCK_SKEW_SECONDS = 600

# RFC 7519 section 4.1.4 allows "some small leeway" on ``exp``; 60 s is jwcrypto's own
# default and covers skew between Keyway's own servers.
EXP_LEEWAY_SECONDS = 60

# Hostile input is refused before any decoding: a real ID token or logout token is a few
# kilobytes, and anything reaching jwt_verify arrived in a URL or a form field.
MAX_TOKEN_LENGTH = 32 * 1024

# RFC 7515 section 7.1 compact serialization: three base64url segments (RFC 7515
# section 2: no padding). Anything else, including the JSON serialization, is refused.
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class InvalidSignedToken(ValueError):
    """A JWT that is malformed, signed by no published key, badly signed or expired."""


class SigningKeyUnavailable(RuntimeError):
    """The current signing key exists but its private part cannot be read.

    Almost always a KEY_ENCRYPTION_KEYS mistake: the key that encrypted it is missing.
    """


class KeyStatus(enum.StrEnum):
    PENDING = "pending"  # published, not signing yet
    ACTIVE = "active"  # the current key of its algorithm
    SUPERSEDED = "superseded"  # no longer signs, published until its tokens expired
    UNPUBLISHED = "unpublished"  # gone from the JWK Set; signing_keys_prune deletes it


@dataclass(frozen=True)
class SigningKeyMaterial:
    """A parsed private key, shared by the whole process: never mutate ``jwk``."""

    kid: str
    algorithm: str
    # repr=False: this object must never print a private key into a log or a traceback.
    jwk: jwk.JWK = field(repr=False)


@dataclass(frozen=True)
class KeyTimes:
    """The part of a ``SigningKey`` its lifecycle is computed from."""

    pk: int
    kid: str
    algorithm: str
    created_at: datetime
    active_from: datetime

    @property
    def order(self) -> tuple[datetime, datetime, int]:
        """The sort key of the current-key rule: later rows win ties."""
        return (self.active_from, self.created_at, self.pk)

    @classmethod
    def of(cls, key: SigningKey) -> KeyTimes:
        return cls(
            pk=key.pk,
            kid=key.kid,
            algorithm=key.algorithm,
            created_at=key.created_at,
            active_from=key.active_from,
        )


def signing_key_retention() -> timedelta:
    """How long a superseded key stays published: the longest life of what it signed.

    It signed until ``superseded_at``; tokens it signed then live ``ID_TOKEN_EXPIRE_SECONDS``
    (logout tokens live minutes, so ID tokens are the longest). To that we *add* rather
    than take the larger of:

    * ``CLOCK_SKEW_SECONDS``: a relying party whose clock is behind accepts a token after
      its ``exp`` by our clock, and must still find the key when it refreshes its JWKS;
    * ``SIGNING_KEY_CACHE_SECONDS``: a process that read the rows before a newer key was
      created (bootstrap race, a rotation with a short activation delay) keeps signing
      with the old key for up to that long after ``superseded_at``.

    Keeping a key published a little too long costs a few hundred bytes in the JWKS;
    unpublishing it too early fails sign-ins.
    """
    lifetime = int(oauth2_settings.ID_TOKEN_EXPIRE_SECONDS)
    return timedelta(
        seconds=lifetime + CLOCK_SKEW_SECONDS + int(keyway_settings.SIGNING_KEY_CACHE_SECONDS)
    )


def signing_key_statuses(
    *, keys: Iterable[KeyTimes], now: datetime, retention: timedelta | None = None
) -> dict[int, KeyStatus]:
    """The status of every key by primary key, from the keys' timestamps alone.

    ``keys`` must hold every key of the algorithms concerned: whether a key is superseded
    depends on the newer ones.
    """
    retention = signing_key_retention() if retention is None else retention
    by_algorithm: dict[str, list[KeyTimes]] = {}
    for key in keys:
        by_algorithm.setdefault(key.algorithm, []).append(key)
    statuses: dict[int, KeyStatus] = {}
    for siblings in by_algorithm.values():
        siblings.sort(key=lambda k: k.order, reverse=True)
        for status, key in zip(
            _statuses_newest_first(siblings, now, retention), siblings, strict=True
        ):
            statuses[key.pk] = status
    return statuses


def _statuses_newest_first(
    keys: Iterable[KeyTimes], now: datetime, retention: timedelta
) -> list[KeyStatus]:
    """Statuses of one algorithm's keys, which must be sorted newest first.

    Once the current key is found every older key is active-from-the-past, and each was
    superseded when the key just newer than it became active.
    """
    statuses: list[KeyStatus] = []
    newer: KeyTimes | None = None
    current_seen = False
    for key in keys:
        if key.active_from > now:
            statuses.append(KeyStatus.PENDING)
        elif not current_seen or newer is None:
            statuses.append(KeyStatus.ACTIVE)
            current_seen = True
        else:
            superseded_at = newer.active_from  # ``newer`` is active: it sorts before this key
            statuses.append(
                KeyStatus.SUPERSEDED if now < superseded_at + retention else KeyStatus.UNPUBLISHED
            )
        newer = key
    return statuses


# --- The cache ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared by identity: one object per key per snapshot
class _CachedKey:
    times: KeyTimes
    public: jwk.JWK = field(repr=False)  # verifies; its pyca key object is built already
    published: Mapping[str, Any] = field(repr=False)  # this key's JWK Set member
    material: SigningKeyMaterial | None  # only while the key may sign (pending or current)


@dataclass(frozen=True)
class _Snapshot:
    by_algorithm: Mapping[str, tuple[_CachedKey, ...]]  # newest first
    by_kid: Mapping[str, _CachedKey]
    loaded_at: float  # time.monotonic()


class _KeyStore:
    """The rows as of the last read, and every key parsed so far, keyed by kid.

    A refresh swaps in a new immutable snapshot under a lock; readers take the current
    snapshot without locking, so concurrent requests never see a half-built one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._public: dict[str, tuple[jwk.JWK, dict[str, Any]]] = {}
        self._private: dict[str, SigningKeyMaterial] = {}

    def snapshot(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and self._fresh(snapshot):
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and self._fresh(snapshot):
                return snapshot  # another thread refreshed while we waited
            return self._load()

    def refresh(self) -> _Snapshot:
        with self._lock:
            return self._load()

    def clear(self) -> None:
        with self._lock:
            self._snapshot = None
            self._public.clear()
            self._private.clear()

    @staticmethod
    def _fresh(snapshot: _Snapshot) -> bool:
        age = time.monotonic() - snapshot.loaded_at
        return 0 <= age < keyway_settings.SIGNING_KEY_CACHE_SECONDS

    def _load(self) -> _Snapshot:
        """Re-read the rows (one query; a second one for private keys not loaded yet)."""
        now = timezone.now()
        rows = list(
            SigningKey.objects.values_list(
                "pk", "kid", "algorithm", "created_at", "active_from", "public_jwk"
            )
        )
        times: list[KeyTimes] = []
        for pk, kid, algorithm, created_at, active_from, public_jwk in rows:
            if kid not in self._public:
                parsed = _public_key_parse(kid=kid, algorithm=algorithm, public_jwk=public_jwk)
                if parsed is None:
                    continue  # logged; a key we cannot parse is neither published nor used
                self._public[kid] = parsed
            times.append(KeyTimes(pk, kid, algorithm, created_at, active_from))

        statuses = signing_key_statuses(keys=times, now=now)
        # Only keys that can still sign need their private part; superseded keys' private
        # parts are never decrypted again (nor kept in memory).
        may_sign = {t.kid for t in times if statuses[t.pk] in (KeyStatus.PENDING, KeyStatus.ACTIVE)}
        missing = may_sign - set(self._private)
        if missing:
            encrypted = SigningKey.objects.filter(kid__in=missing).values_list(
                "kid", "algorithm", "private_key_encrypted"
            )
            for kid, algorithm, private_key_encrypted in encrypted:
                material = _private_key_parse(
                    kid=kid, algorithm=algorithm, encrypted=private_key_encrypted
                )
                if material is not None:
                    self._private[kid] = material
        for kid in set(self._private) - may_sign:
            del self._private[kid]
        for kid in set(self._public) - {t.kid for t in times}:
            del self._public[kid]

        by_algorithm: dict[str, list[_CachedKey]] = {}
        for t in sorted(times, key=lambda k: k.order, reverse=True):
            public, published = self._public[t.kid]
            by_algorithm.setdefault(t.algorithm, []).append(
                _CachedKey(
                    times=t, public=public, published=published, material=self._private.get(t.kid)
                )
            )
        snapshot = _Snapshot(
            by_algorithm={a: tuple(keys) for a, keys in sorted(by_algorithm.items())},
            by_kid={k.times.kid: k for keys in by_algorithm.values() for k in keys},
            loaded_at=time.monotonic(),
        )
        self._snapshot = snapshot
        return snapshot


def _public_key_parse(
    *, kid: str, algorithm: str, public_jwk: Any
) -> tuple[jwk.JWK, dict[str, Any]] | None:
    """The verification key and the JWK Set member of one row, or None (logged).

    The kid must be the key's RFC 7638 thumbprint: a row whose public key was altered
    does not match its kid and is refused.
    """
    try:
        key = jwk.JWK(**public_jwk)
        _key_type_check(key, algorithm)
        if key.thumbprint() != kid:
            raise ValueError("the kid is not the key's RFC 7638 thumbprint")
        key.get_op_key("verify")  # build the pyca key object now, not in a request
    except Exception as exc:  # a broken row must not take the other keys down with it
        logger.error("Signing key %s: unusable public key (%s); not published.", kid, exc)
        return None
    # RFC 7517 section 4: kid selects the key, alg (section 4.4) pins the algorithm so a
    # relying party never tries another one with it, use=sig (section 4.2).
    # export_public() emits public members only, even if the stored JSON had more.
    published = {**key.export_public(as_dict=True), "kid": kid, "alg": algorithm, "use": "sig"}
    return key, published


def _private_key_parse(*, kid: str, algorithm: str, encrypted: bytes) -> SigningKeyMaterial | None:
    """Decrypt and parse one private key (the expensive step: ~40 ms for RSA-2048)."""
    try:
        pem = secret_decrypt(bytes(encrypted))
        key = jwk.JWK.from_pem(pem)
        _key_type_check(key, algorithm)
        if key.thumbprint() != kid:
            raise ValueError("the private key does not match its kid")
        # from_pem validated the RSA key (cryptography's load_pem_private_key) and then
        # kept only its numbers; without this flag jwcrypto would validate the very same
        # numbers again when it rebuilds the key object on first use, doubling the cost.
        key.unsafe_skip_rsa_key_validation = True
        key.update(kid=kid, alg=algorithm, use="sig")
        key.get_op_key("sign")  # build the pyca private key object now, once
    except Exception as exc:
        # Not fatal here: tokens it signed still verify with the public key. Signing with
        # it raises SigningKeyUnavailable.
        logger.error("Signing key %s: cannot load the private key (%s).", kid, type(exc).__name__)
        return None
    return SigningKeyMaterial(kid=kid, algorithm=algorithm, jwk=key)


def _key_type_check(key: jwk.JWK, algorithm: str) -> None:
    kty, crv = KEY_TYPES[algorithm]
    if key.get("kty") != kty or (crv is not None and key.get("crv") != crv):
        raise ValueError(f"a {key.get('kty')} key cannot sign {algorithm}")


_store = _KeyStore()


def keys_cache_clear() -> None:
    """Forget the cached rows and every parsed key (tests; the key services, in-process).

    The next call re-reads the rows and parses the keys again: ~40 ms per RSA key, paid
    by whichever request comes first. Other processes are not affected; they see changes
    within SIGNING_KEY_CACHE_SECONDS.
    """
    _store.clear()


def _algorithm_check(algorithm: str) -> None:
    if algorithm not in KEY_TYPES:
        raise ValueError(f"Unsupported signing algorithm: {algorithm!r}.")


def _current(snapshot: _Snapshot, algorithm: str, now: datetime) -> _CachedKey | None:
    """The newest key of ``algorithm`` whose activation time has passed, at ``now``."""
    for key in snapshot.by_algorithm.get(algorithm, ()):  # newest first
        if key.times.active_from <= now:
            return key
    return None


def _published(snapshot: _Snapshot, now: datetime) -> list[_CachedKey]:
    retention = signing_key_retention()
    published = []
    for keys in snapshot.by_algorithm.values():
        statuses = _statuses_newest_first((k.times for k in keys), now, retention)
        published.extend(
            k for k, s in zip(keys, statuses, strict=True) if s != KeyStatus.UNPUBLISHED
        )
    return published


def _ensure_current(snapshot: _Snapshot, algorithm: str, now: datetime) -> _Snapshot:
    """A snapshot in which ``algorithm`` has a current key, creating one if none can sign.

    Normally a no-op. On first boot (or when only pending keys exist) the rows are re-read
    -- another process may have just created one -- and otherwise a key active at once is
    created: nobody can hold tokens or a cached JWKS entry for a key that never existed.
    """
    if _current(snapshot, algorithm, now) is not None:
        return snapshot
    snapshot = _store.refresh()
    if _current(snapshot, algorithm, now) is not None:
        return snapshot
    # Imported here: the services import this module (keys_cache_clear, the statuses).
    from apps.oidc_provider.key_services import signing_key_bootstrap

    signing_key_bootstrap(algorithm=algorithm)
    return _store.refresh()


# --- Public API ----------------------------------------------------------------------------


def signing_key_current(*, algorithm: str, now: datetime | None = None) -> SigningKeyMaterial:
    """The key that signs ``algorithm`` tokens now (created on first use if none exists).

    ``now`` is for tests and previews and defaults to the current time. It should not lie
    in the past: the private part of a key already superseded when the rows were read is
    never decrypted, so asking for the key of an earlier moment raises
    ``SigningKeyUnavailable``.
    """
    _algorithm_check(algorithm)
    snapshot = _ensure_current(_store.snapshot(), algorithm, now or timezone.now())
    # Read the clock after _ensure_current: a key it just created is active from a moment
    # later than any time taken before.
    now = timezone.now() if now is None else now
    current = _current(snapshot, algorithm, now)
    if current is None:  # only when ``now`` is before every key's activation
        raise SigningKeyUnavailable(f"No {algorithm} signing key is active at {now.isoformat()}.")
    if current.material is None:
        # Logged when the rows were read. Not retried per call: the next periodic re-read
        # tries again, and a request storm must not become a decryption storm.
        raise SigningKeyUnavailable(
            f"The current {algorithm} signing key ({current.times.kid}) cannot be read: "
            "KEY_ENCRYPTION_KEYS must hold the key that encrypted it."
        )
    return current.material


def jwt_sign(
    *, claims: dict[str, Any], algorithm: str, typ: str = "JWT", now: datetime | None = None
) -> str:
    """A compact JWS (RFC 7515 section 7.1) of ``claims`` signed with the current key.

    Header: ``alg`` (RFC 7518 section 3.1), ``kid`` (so verifiers pick the key from the
    JWK Set, RFC 7515 section 4.1.4) and ``typ`` (e.g. ``logout+jwt``, RFC 8417/OIDC
    Back-Channel Logout section 2.4). The caller sets ``iat``/``exp`` and every other claim.
    """
    material = signing_key_current(algorithm=algorithm, now=now)
    token = jwt.JWT(
        header={"alg": material.algorithm, "kid": material.kid, "typ": typ}, claims=claims
    )
    token.make_signed_token(material.jwk)
    return token.serialize(compact=True)


def jwt_verify(*, token: str, verify_exp: bool = True, now: datetime | None = None) -> dict:
    """The claims of ``token`` if a published key signed it; else ``InvalidSignedToken``.

    The key is chosen by the header ``kid`` only (RFC 7515 section 4.1.4) among the keys
    this server publishes, and the header ``alg`` must be that key's algorithm (RFC 8725
    section 3.1: never let the token choose the algorithm -- this is what refuses ``none``
    and HS256 "signed" with a public key as the HMAC secret). With ``verify_exp`` the
    token must carry a numeric ``exp`` that has not passed (RFC 7519 section 4.1.4,
    ``EXP_LEEWAY_SECONDS`` of leeway). Nothing but ``InvalidSignedToken`` escapes for any
    input.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidSignedToken("Not a compact JWS of acceptable size.")
    if not _COMPACT_JWS.fullmatch(token):
        raise InvalidSignedToken("Not a compact JWS.")
    now = timezone.now() if now is None else now
    # Outside the try: a database outage is an outage, not an invalid token.
    snapshot = _store.snapshot()
    try:
        parsed = jws.JWS()
        parsed.deserialize(token)
        header = parsed.jose_header
        if not isinstance(header, dict):
            raise InvalidSignedToken("Malformed header.")
        kid, alg = header.get("kid"), header.get("alg")
        if not isinstance(kid, str) or not isinstance(alg, str):
            raise InvalidSignedToken("The header lacks kid or alg.")
        key = snapshot.by_kid.get(kid)
        if key is None or not any(k is key for k in _published(snapshot, now)):
            raise InvalidSignedToken("Unknown key.")
        if alg != key.times.algorithm:
            raise InvalidSignedToken("The algorithm is not the key's.")
        parsed.allowed_algs = [key.times.algorithm]
        parsed.verify(key.public, alg=key.times.algorithm)
        claims = json.loads(parsed.payload)
        if not isinstance(claims, dict):
            raise InvalidSignedToken("The payload is not a JSON object.")
        if verify_exp and not _exp_valid(claims.get("exp"), now):
            raise InvalidSignedToken("The token has expired or has no valid exp.")
    except InvalidSignedToken:
        raise
    except Exception as exc:  # jwcrypto, base64, UTF-8, JSON, recursion: all mean "invalid"
        raise InvalidSignedToken("Invalid signed token.") from exc
    return claims


def _exp_valid(exp: object, now: datetime) -> bool:
    """RFC 7519 section 4.1.4: ``exp`` is a NumericDate and ``now`` must be before it."""
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return False  # bool is an int subclass; "true" is no date
    if isinstance(exp, float) and not math.isfinite(exp):
        return False  # json.loads accepts NaN and Infinity
    # Compared as exact numbers: an enormous int never overflows to float here.
    return now.timestamp() < exp + EXP_LEEWAY_SECONDS


def jwks_public(*, now: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """The JWK Set (RFC 7517 section 5) of every published key: public members only.

    Pending keys are in it (relying parties must have them before they sign), and
    superseded keys stay until their tokens expired. Every supported algorithm gets a key
    on first call, so the set lists a key before it signs anything.
    """
    now = timezone.now() if now is None else now
    snapshot = _store.snapshot()
    for algorithm in KEY_TYPES:
        snapshot = _ensure_current(snapshot, algorithm, now)
    return {"keys": [dict(key.published) for key in _published(snapshot, now)]}
