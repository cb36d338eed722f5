"""The signing key store: encryption at rest, lifecycle, caching, signing and verifying."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import random
import threading
import time
from datetime import datetime, timedelta
from unittest import mock

import pytest
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from jwcrypto import jwk, jws, jwt

from apps.audit.models import Event
from apps.common.crypto import secret_decrypt
from apps.oidc_provider import key_services, keys
from apps.oidc_provider.key_services import (
    signing_key_bootstrap,
    signing_key_create,
    signing_keys_rotate,
)
from apps.oidc_provider.keys import (
    InvalidSignedToken,
    KeyStatus,
    KeyTimes,
    SigningKeyUnavailable,
    jwks_public,
    jwt_sign,
    jwt_verify,
    keys_cache_clear,
    signing_key_current,
    signing_key_retention,
    signing_key_statuses,
)
from apps.oidc_provider.models import SigningKey

pytestmark = pytest.mark.django_db

ALGORITHMS = ["RS256", "ES256"]
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
KEK = Fernet.generate_key().decode()
OTHER_KEK = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    # Database rows roll back between tests; the process cache must not outlive them.
    keys_cache_clear()
    yield
    keys_cache_clear()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**extra) -> dict:
    now = int(time.time())
    return {"iss": "http://testserver", "sub": "s", "aud": "rp", "iat": now, "exp": now + 300} | (
        extra
    )


def _key(algorithm: str, *, active_from: datetime) -> SigningKey:
    return signing_key_create(algorithm=algorithm, active_from=active_from)


def _published_kids(now: datetime | None = None) -> set[str]:
    return {k["kid"] for k in jwks_public(now=now)["keys"]}


def _jwcrypto_verify(token: str) -> dict:
    """Verify with jwcrypto and the published JWK Set only, independently of keys.py."""
    key_set = jwk.JWKSet.from_json(json.dumps(jwks_public()))
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    verified = jwt.JWT(jwt=token, key=key_set, algs=[header["alg"]], expected_type="JWS")
    return json.loads(verified.claims)


# --- Encryption at rest -------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_private_key_is_encrypted_at_rest(algorithm):
    with override_settings(KEYWAY={"KEY_ENCRYPTION_KEYS": [KEK]}):
        key = _key(algorithm, active_from=timezone.now())
    stored = bytes(SigningKey.objects.get(pk=key.pk).private_key_encrypted)
    assert b"-----BEGIN" not in stored
    assert b"PRIVATE" not in stored
    assert b'"d"' not in stored
    # It is a Fernet token of the configured key, holding the PKCS#8 key of the public JWK.
    pem = Fernet(KEK).decrypt(stored)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    private = jwk.JWK.from_pem(pem)
    assert private.thumbprint() == key.kid
    # And only that key decrypts it.
    with (
        override_settings(KEYWAY={"KEY_ENCRYPTION_KEYS": [OTHER_KEK]}),
        pytest.raises(InvalidToken),
    ):
        secret_decrypt(stored)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_stored_public_jwk_has_no_private_members(algorithm):
    key = _key(algorithm, active_from=timezone.now())
    assert not PRIVATE_MEMBERS & set(key.public_jwk)
    assert key.public_jwk["kid"] == key.kid
    assert key.public_jwk["alg"] == algorithm
    assert key.public_jwk["use"] == "sig"


def test_kid_is_the_rfc7638_thumbprint():
    """RFC 7638 section 3: SHA-256 of the required members, lexicographic, no whitespace."""
    for algorithm, members in (("RS256", ("e", "kty", "n")), ("ES256", ("crv", "kty", "x", "y"))):
        key = _key(algorithm, active_from=timezone.now())
        canonical = json.dumps(
            {m: key.public_jwk[m] for m in members}, separators=(",", ":"), sort_keys=True
        )
        assert key.kid == _b64(hashlib.sha256(canonical.encode()).digest())


def test_key_sizes_and_curves_match_the_algorithms():
    rsa_key = _key("RS256", active_from=timezone.now())
    ec_key = _key("ES256", active_from=timezone.now())
    rsa_private = load_pem_private_key(secret_decrypt(rsa_key.private_key_encrypted), None)
    ec_private = load_pem_private_key(secret_decrypt(ec_key.private_key_encrypted), None)
    assert isinstance(rsa_private, rsa.RSAPrivateKey)
    assert rsa_private.key_size == 2048
    assert isinstance(ec_private, ec.EllipticCurvePrivateKey)
    assert ec_private.curve.name == "secp256r1"
    assert ec_key.public_jwk["crv"] == "P-256"


def test_signing_key_material_never_prints_the_private_key():
    material = signing_key_current(algorithm="ES256")
    assert material.jwk["d"] not in repr(material)
    assert material.jwk["d"] not in str(material)


# --- Signing and verifying ----------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_rs256_and_es256_sign_tokens_that_jwcrypto_verifies_from_the_jwks(algorithm):
    claims = _claims(nonce="n-0S6_WzA2Mj")
    token = jwt_sign(claims=claims, algorithm=algorithm)

    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    material = signing_key_current(algorithm=algorithm)
    assert header == {"alg": algorithm, "kid": material.kid, "typ": "JWT"}
    assert _jwcrypto_verify(token) == claims
    assert jwt_verify(token=token) == claims


def test_es256_signature_is_the_raw_64_byte_form():
    """RFC 7518 section 3.4: R || S, 32 bytes each -- not DER."""
    token = jwt_sign(claims=_claims(), algorithm="ES256")
    assert len(base64.urlsafe_b64decode(token.split(".")[2] + "==")) == 64


def test_typ_header_is_set_for_logout_tokens():
    token = jwt_sign(claims=_claims(), algorithm="RS256", typ="logout+jwt")
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "logout+jwt"


def test_verify_exp_false_accepts_an_expired_token_of_a_published_key():
    claims = _claims(exp=int(time.time()) - 3600)
    token = jwt_sign(claims=claims, algorithm="RS256")
    assert jwt_verify(token=token, verify_exp=False) == claims
    with pytest.raises(InvalidSignedToken):
        jwt_verify(token=token)


def test_exp_has_a_small_leeway_only():
    now = timezone.now()
    token = jwt_sign(claims=_claims(exp=int(now.timestamp()) - 30), algorithm="RS256")
    assert jwt_verify(token=token, now=now)  # within EXP_LEEWAY_SECONDS
    with pytest.raises(InvalidSignedToken):
        jwt_verify(token=token, now=now + timedelta(seconds=keys.EXP_LEEWAY_SECONDS))


def test_unsupported_algorithm_is_refused():
    with pytest.raises(ValueError, match="Unsupported"):
        signing_key_current(algorithm="HS256")
    with pytest.raises(ValueError, match="Unsupported"):
        jwt_sign(claims=_claims(), algorithm="none")


# --- Hostile tokens -----------------------------------------------------------------------


def _segment(data: dict | list | str) -> str:
    return _b64(json.dumps(data).encode() if not isinstance(data, str) else data.encode())


def _token_alg_none() -> str:
    kid = signing_key_current(algorithm="RS256").kid
    return f"{_segment({'alg': 'none', 'kid': kid})}.{_segment(_claims())}."


def _token_alg_none_with_signature() -> str:
    kid = signing_key_current(algorithm="RS256").kid
    return f"{_segment({'alg': 'none', 'kid': kid})}.{_segment(_claims())}.{_b64(b'x')}"


def _token_hs256_keyed_with_the_public_key() -> str:
    """The classic confusion: HMAC keyed with the RSA public key everyone can download."""
    material = signing_key_current(algorithm="RS256")
    public_pem = material.jwk.export_to_pem()  # the public key, as PEM
    secret = jwk.JWK(kty="oct", k=_b64(public_pem))
    token = jwt.JWT(header={"alg": "HS256", "kid": material.kid, "typ": "JWT"}, claims=_claims())
    token.make_signed_token(secret)
    return token.serialize()


def _token_foreign_key(kid: str | None = None) -> str:
    foreign = jwk.JWK.generate(kty="RSA", size=2048)
    kid = kid or foreign.thumbprint()
    token = jwt.JWT(header={"alg": "RS256", "kid": kid, "typ": "JWT"}, claims=_claims())
    token.make_signed_token(foreign)
    return token.serialize()


def _token_foreign_key_with_our_kid() -> str:
    return _token_foreign_key(kid=signing_key_current(algorithm="RS256").kid)


def _token_alg_of_another_key() -> str:
    """Header says RS256, kid names the ES256 key."""
    es_kid = signing_key_current(algorithm="ES256").kid
    rs = signing_key_current(algorithm="RS256")
    token = jwt.JWT(header={"alg": "RS256", "kid": es_kid, "typ": "JWT"}, claims=_claims())
    token.make_signed_token(rs.jwk)
    return token.serialize()


def _token_signed_by_us(header_extra: dict | None = None, claims: object = None) -> str:
    """A token our own key signed, with a header or payload jwt_sign would never make."""
    material = signing_key_current(algorithm="RS256")
    header = {"alg": "RS256", "kid": material.kid, **(header_extra or {})}
    payload = _claims() if claims is None else claims
    signer = jws.JWS(payload if isinstance(payload, bytes) else json.dumps(payload).encode())
    signer.add_signature(material.jwk, protected=json.dumps(header))
    return signer.serialize(compact=True)


def _token_signed_raw(header_extra: dict) -> str:
    """Our key's RS256 signature over a header jwcrypto itself would refuse to produce."""
    material = signing_key_current(algorithm="RS256")
    header = {"alg": "RS256", "kid": material.kid, **header_extra}
    signing_input = f"{_segment(header)}.{_segment(_claims())}"
    private = load_pem_private_key(
        material.jwk.export_to_pem(private_key=True, password=None), None
    )
    signature = private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def _json_serialization(token: str) -> str:
    """RFC 7515 section 7.2.2: the same JWS in the flattened JSON serialization."""
    protected, payload, signature = token.split(".")
    return json.dumps({"protected": protected, "payload": payload, "signature": signature})


HOSTILE = {
    "alg none": _token_alg_none,
    "alg none with a signature": _token_alg_none_with_signature,
    "HS256 keyed with the public key": _token_hs256_keyed_with_the_public_key,
    "unknown kid": _token_foreign_key,
    "our kid, another key's signature": _token_foreign_key_with_our_kid,
    "alg of another key": _token_alg_of_another_key,
    "truncated": lambda: jwt_sign(claims=_claims(), algorithm="RS256")[:-12],
    "signature of another token": lambda: ".".join(
        jwt_sign(claims=_claims(), algorithm="ES256").split(".")[:2]
        + jwt_sign(claims=_claims(sub="other"), algorithm="ES256").split(".")[2:]
    ),
    "payload swapped": lambda: ".".join(
        [
            jwt_sign(claims=_claims(), algorithm="RS256").split(".")[0],
            _segment(_claims(sub="admin")),
            jwt_sign(claims=_claims(), algorithm="RS256").split(".")[2],
        ]
    ),
    "bad base64 characters": lambda: jwt_sign(claims=_claims(), algorithm="RS256").replace(
        ".", ".*", 1
    ),
    "base64 of impossible length": lambda: ".A.".join(
        jwt_sign(claims=_claims(), algorithm="RS256").split(".")[::2]
    ),
    "padding": lambda: jwt_sign(claims=_claims(), algorithm="RS256") + "==",
    "expired": lambda: jwt_sign(claims=_claims(exp=int(time.time()) - 3600), algorithm="RS256"),
    "no exp": lambda: _token_signed_by_us(claims={"sub": "s"}),
    "exp is a string": lambda: _token_signed_by_us(claims={"exp": "9999999999"}),
    "exp is true": lambda: _token_signed_by_us(claims={"exp": True}),
    "exp is NaN": lambda: _token_signed_by_us(claims=b'{"exp": NaN}'),
    "exp is hugely negative": lambda: _token_signed_by_us(claims=b'{"exp": -1' + b"0" * 400 + b"}"),
    "payload is a list": lambda: _token_signed_by_us(claims=[1, 2]),
    "payload is not JSON": lambda: _token_signed_by_us(claims=b"\xff\xfe not json"),
    "unknown critical header": lambda: _token_signed_raw({"crit": ["x-keyway"], "x-keyway": 1}),
    "header is a list": lambda: f"{_segment([1])}.{_segment(_claims())}.{_b64(b'sig')}",
    "header is not JSON": lambda: f"{_b64(b'{nope')}.{_segment(_claims())}.{_b64(b'sig')}",
    "kid is not a string": lambda: (
        f"{_segment({'alg': 'RS256', 'kid': 7})}.{_segment(_claims())}.{_b64(b'sig')}"
    ),
    "JSON serialization": lambda: _json_serialization(
        jwt_sign(claims=_claims(), algorithm="RS256")
    ),
    "huge": lambda: "a" * 5_000_000 + "." + "b" * 10 + "." + "c" * 10,
    "empty": lambda: "",
    "dots only": lambda: "..",
    "four segments": lambda: jwt_sign(claims=_claims(), algorithm="RS256") + ".e30",
    "non-ASCII": lambda: "é.é.é",
    "not a string": lambda: jwt_sign(claims=_claims(), algorithm="RS256").encode(),
    "None": lambda: None,
}


@pytest.mark.parametrize("build", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_tokens_raise_invalid_signed_token_only(build):
    token = build()
    with pytest.raises(InvalidSignedToken):
        jwt_verify(token=token)


def test_random_mutations_of_a_valid_token_raise_invalid_signed_token_only():
    token = jwt_sign(claims=_claims(), algorithm="ES256")
    alphabet = "ABCXYZabcxyz0189-_.=+/!{}\"'\\ \x00é"
    rng = random.Random(7638)  # noqa: S311 (deterministic on purpose: a reproducible test)
    for _ in range(300):
        chars = list(token)
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(chars))
            chars[position] = rng.choice(alphabet)
        mutated = "".join(chars)
        if mutated == token:
            continue
        with contextlib.suppress(InvalidSignedToken):
            jwt_verify(token=mutated)
        # Anything else propagates and fails the test. A mutation may also leave the
        # signed bytes intact (e.g. base64 trailing bits), which verifies; that is fine.


def test_an_enormous_exp_is_a_date_not_a_crash():
    token = _token_signed_by_us(claims=b'{"exp": 1' + b"0" * 400 + b"}")
    assert jwt_verify(token=token)["exp"] == 10**400


def test_invalid_signed_token_is_a_value_error():
    assert issubclass(InvalidSignedToken, ValueError)


# --- Lifecycle ----------------------------------------------------------------------------


def _times(pk: int, algorithm: str, active_from: datetime) -> KeyTimes:
    return KeyTimes(pk, f"kid{pk}", algorithm, active_from, active_from)


def test_statuses_are_read_from_timestamps():
    now = timezone.now()
    retention = timedelta(hours=1)
    rows = [
        _times(1, "RS256", now - timedelta(days=3)),  # superseded 2 days ago: unpublished
        _times(2, "RS256", now - timedelta(days=2)),  # superseded 30 min ago: still published
        _times(3, "RS256", now - timedelta(minutes=30)),  # current
        _times(4, "RS256", now + timedelta(minutes=30)),  # pending
        _times(5, "RS256", now + timedelta(minutes=60)),  # pending
        _times(6, "ES256", now - timedelta(days=9)),  # current: other algorithms don't count
    ]
    assert signing_key_statuses(keys=rows, now=now, retention=retention) == {
        1: KeyStatus.UNPUBLISHED,
        2: KeyStatus.SUPERSEDED,
        3: KeyStatus.ACTIVE,
        4: KeyStatus.PENDING,
        5: KeyStatus.PENDING,
        6: KeyStatus.ACTIVE,
    }


def test_current_key_is_the_newest_active_one_and_later_rows_win_ties():
    now = timezone.now()
    same = now - timedelta(minutes=5)
    rows = [_times(1, "RS256", same), _times(2, "RS256", same)]
    statuses = signing_key_statuses(keys=rows, now=now, retention=timedelta(hours=1))
    assert statuses == {1: KeyStatus.SUPERSEDED, 2: KeyStatus.ACTIVE}


def test_retention_covers_id_token_lifetime_clock_skew_and_cache_age():
    oauth = {**settings.OAUTH2_PROVIDER, "ID_TOKEN_EXPIRE_SECONDS": 1200}
    with override_settings(OAUTH2_PROVIDER=oauth, KEYWAY={"SIGNING_KEY_CACHE_SECONDS": 30}):
        assert signing_key_retention() == timedelta(seconds=1200 + 600 + 30)


def test_first_use_creates_a_key_that_signs_at_once():
    assert not SigningKey.objects.exists()
    material = signing_key_current(algorithm="RS256")
    key = SigningKey.objects.get()
    assert (key.kid, key.algorithm) == (material.kid, "RS256")
    assert key.active_from <= timezone.now()
    assert Event.objects.filter(type="signing_key.bootstrapped", data__kid=key.kid).exists()


def test_first_jwks_publishes_a_key_for_every_algorithm():
    published = jwks_public()["keys"]
    assert sorted(k["alg"] for k in published) == ["ES256", "RS256"]
    assert SigningKey.objects.count() == 2


def test_bootstrap_does_nothing_when_a_key_can_sign():
    _key("RS256", active_from=timezone.now() - timedelta(minutes=1))
    assert signing_key_bootstrap(algorithm="RS256") is None
    assert SigningKey.objects.count() == 1


def test_two_bootstrapped_keys_are_harmless_newest_wins():
    first = signing_key_bootstrap(algorithm="ES256")
    # What a second process does when it missed the first one's key.
    second = _key("ES256", active_from=timezone.now())
    assert first is not None
    assert signing_key_current(algorithm="ES256").kid == second.kid
    assert {first.kid, second.kid} <= _published_kids()
    token = jwt_sign(claims=_claims(), algorithm="ES256")
    assert _jwcrypto_verify(token)


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_uses_create_one_key():
    """Threads of a process queue on a lock; on PostgreSQL processes queue on an advisory
    lock, tested here by taking the thread lock away so only the database one is left."""
    guard = (
        mock.patch.object(key_services, "_bootstrap_lock", contextlib.nullcontext())
        if connection.vendor == "postgresql"
        else contextlib.nullcontext()
    )
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def first_use() -> None:
        try:
            barrier.wait(timeout=10)
            signing_key_bootstrap(algorithm="ES256")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with guard:
        threads = [threading.Thread(target=first_use) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors
    assert SigningKey.objects.filter(algorithm="ES256").count() == 1


def test_a_rotated_key_is_published_before_it_signs():
    old = _key("RS256", active_from=timezone.now() - timedelta(days=1))
    (new,) = signing_keys_rotate(algorithms=["RS256"], activation_delay=3600)
    assert new.kid in _published_kids()
    assert old.kid in _published_kids()
    assert signing_key_current(algorithm="RS256").kid == old.kid
    header = json.loads(
        base64.urlsafe_b64decode(jwt_sign(claims=_claims(), algorithm="RS256").split(".")[0] + "==")
    )
    assert header["kid"] == old.kid


def test_after_the_activation_delay_the_new_key_signs_and_the_old_stays_published():
    old = _key("RS256", active_from=timezone.now() - timedelta(days=1))
    (new,) = signing_keys_rotate(algorithms=["RS256"], activation_delay=3600)
    later = new.active_from + timedelta(seconds=1)
    assert signing_key_current(algorithm="RS256", now=later).kid == new.kid
    assert {old.kid, new.kid} <= _published_kids(later)
    # A token the old key signed just before the switch still verifies.
    old_token = jwt_sign(claims=_claims(), algorithm="RS256", now=new.active_from)
    assert jwt_verify(token=old_token, verify_exp=False, now=later)


def test_a_pending_key_starts_signing_on_time_while_the_cache_is_fresh(
    django_assert_num_queries,
):
    old = _key("ES256", active_from=timezone.now() - timedelta(days=1))
    new = _key("ES256", active_from=timezone.now() + timedelta(minutes=10))
    _key("RS256", active_from=timezone.now() - timedelta(days=1))
    jwks_public()  # warm
    with django_assert_num_queries(0):
        before = signing_key_current(algorithm="ES256", now=new.active_from - timedelta(seconds=1))
        after = signing_key_current(algorithm="ES256", now=new.active_from)
    assert (before.kid, after.kid) == (old.kid, new.kid)


def test_the_old_key_leaves_the_jwks_once_superseded_for_the_retention():
    old = _key("RS256", active_from=timezone.now() - timedelta(days=1))
    new = _key("RS256", active_from=timezone.now() + timedelta(minutes=1))
    token = jwt_sign(claims=_claims(), algorithm="RS256")  # signed by old
    retention = signing_key_retention()
    gone_at = new.active_from + retention

    assert old.kid in _published_kids(gone_at - timedelta(seconds=1))
    assert jwt_verify(token=token, verify_exp=False, now=gone_at - timedelta(seconds=1))
    assert old.kid not in _published_kids(gone_at)
    assert new.kid in _published_kids(gone_at)
    with pytest.raises(InvalidSignedToken):
        jwt_verify(token=token, verify_exp=False, now=gone_at)


def test_a_key_whose_private_part_cannot_be_decrypted_fails_loudly_and_stays_published():
    with override_settings(KEYWAY={"KEY_ENCRYPTION_KEYS": [KEK]}):
        key = _key("RS256", active_from=timezone.now() - timedelta(minutes=1))
        token = jwt_sign(claims=_claims(), algorithm="RS256")
    keys_cache_clear()
    with override_settings(KEYWAY={"KEY_ENCRYPTION_KEYS": [OTHER_KEK]}):
        with pytest.raises(SigningKeyUnavailable, match="KEY_ENCRYPTION_KEYS"):
            signing_key_current(algorithm="RS256")
        assert key.kid in _published_kids()
        assert jwt_verify(token=token)
    assert SigningKey.objects.filter(algorithm="RS256").count() == 1  # no silent new key


def test_a_row_whose_public_key_does_not_match_its_kid_is_neither_published_nor_trusted():
    key = _key("ES256", active_from=timezone.now() - timedelta(minutes=1))
    token = jwt_sign(claims=_claims(), algorithm="ES256")
    other = jwk.JWK.generate(kty="EC", crv="P-256").export_public(as_dict=True)
    SigningKey.objects.filter(pk=key.pk).update(public_jwk={**key.public_jwk, **other})
    keys_cache_clear()
    assert key.kid not in _published_kids()
    with pytest.raises(InvalidSignedToken):
        jwt_verify(token=token)


def test_rotation_in_process_is_seen_at_once():
    _key("RS256", active_from=timezone.now() - timedelta(days=1))
    _key("ES256", active_from=timezone.now() - timedelta(days=1))
    jwks_public()  # warm
    created = signing_keys_rotate(activation_delay=3600)
    assert {k.kid for k in created} <= _published_kids()


# --- The cache: no queries, no parsing per request ----------------------------------------


def _warm_both() -> tuple[str, str]:
    _key("RS256", active_from=timezone.now() - timedelta(minutes=1))
    _key("ES256", active_from=timezone.now() - timedelta(minutes=1))
    rs = jwt_sign(claims=_claims(), algorithm="RS256")
    es = jwt_sign(claims=_claims(), algorithm="ES256")
    jwks_public()
    return rs, es


def test_hot_path_makes_no_database_query_when_warm(django_assert_num_queries):
    rs, es = _warm_both()
    with django_assert_num_queries(0):
        for _ in range(20):
            jwt_sign(claims=_claims(), algorithm="RS256")
            jwt_sign(claims=_claims(), algorithm="ES256")
            jwt_verify(token=rs)
            jwt_verify(token=es)
            jwks_public()
            signing_key_current(algorithm="RS256")
        with pytest.raises(InvalidSignedToken):
            jwt_verify(token=_token_foreign_key())  # unknown kids do not hit the database


def test_cache_is_re_read_after_its_age_with_one_query(django_assert_num_queries):
    rs, _ = _warm_both()
    with (
        override_settings(KEYWAY={"SIGNING_KEY_CACHE_SECONDS": 0}),
        django_assert_num_queries(1),  # the rows only: every key is parsed already
    ):
        jwt_verify(token=rs)


def test_keys_are_parsed_once_per_process():
    old = _key("RS256", active_from=timezone.now() - timedelta(days=1))
    old_token = jwt_sign(claims=_claims(), algorithm="RS256")
    _key("RS256", active_from=timezone.now() - timedelta(minutes=5))  # supersedes ``old``
    _key("ES256", active_from=timezone.now() - timedelta(minutes=5))
    keys_cache_clear()

    real_from_pem = jwk.JWK.from_pem
    with (
        mock.patch.object(jwk.JWK, "from_pem", side_effect=real_from_pem) as from_pem,
        mock.patch.object(keys, "secret_decrypt", wraps=keys.secret_decrypt) as decrypt,
    ):
        for _ in range(30):
            for algorithm in ALGORITHMS:
                jwt_verify(token=jwt_sign(claims=_claims(), algorithm=algorithm))
            jwt_verify(token=old_token)
            jwks_public()
        # Expired cache: rows are re-read on every call, keys are not parsed again.
        with override_settings(KEYWAY={"SIGNING_KEY_CACHE_SECONDS": 0}):
            for _ in range(5):
                jwt_sign(claims=_claims(), algorithm="RS256")
                jwks_public()

    # One parse per key that can sign (current RS256, current ES256); the superseded key
    # verifies with its public part and its private part is never decrypted.
    assert from_pem.call_count == 2
    assert decrypt.call_count == 2
    assert old.kid in _published_kids()


def test_cache_age_uses_the_monotonic_clock():
    _warm_both()
    loaded = keys._store.snapshot()
    max_age = keys.keyway_settings.SIGNING_KEY_CACHE_SECONDS
    with mock.patch.object(keys.time, "monotonic", return_value=loaded.loaded_at + max_age - 1):
        assert keys._store.snapshot() is loaded
    with mock.patch.object(keys.time, "monotonic", return_value=loaded.loaded_at + max_age + 1):
        assert keys._store.snapshot() is not loaded


# --- Admin --------------------------------------------------------------------------------


def test_admin_lists_keys_with_their_status_and_never_the_private_key(admin_client):
    now = timezone.now()
    retention = signing_key_retention()
    gone = _key("RS256", active_from=now - 3 * retention)
    superseded = _key("RS256", active_from=now - 2 * retention)
    current = _key("RS256", active_from=now - timedelta(minutes=1))
    pending = _key("RS256", active_from=now + timedelta(hours=1))

    page = admin_client.get("/admin/oidc_provider/signingkey/").content.decode()
    rows = {
        kid: page[page.index(kid) :].split("</tr>")[0]
        for kid in (gone.kid, superseded.kid, current.kid, pending.kid)
    }
    assert "unpublished" in rows[gone.kid]
    assert ">superseded<" in rows[superseded.kid]
    assert ">active<" in rows[current.kid]
    assert ">pending<" in rows[pending.kid]

    detail = admin_client.get(f"/admin/oidc_provider/signingkey/{current.pk}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert current.kid in html
    assert "private_key_encrypted" not in html
    assert bytes(current.private_key_encrypted).decode() not in html
    # Read-only: no add, no change, no delete.
    assert admin_client.get("/admin/oidc_provider/signingkey/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/oidc_provider/signingkey/{current.pk}/delete/").status_code
        == 403
    )
    assert SigningKey.objects.filter(pk=current.pk).exists()
