import bcrypt
import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from apps.accounts.hashers import KeywayArgon2PasswordHasher, LegacyBcryptPasswordHasher

pytestmark = pytest.mark.django_db


def test_new_passwords_are_hashed_with_argon2id_at_keyway_parameters(user):
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert isinstance(identify_hasher(user.password), KeywayArgon2PasswordHasher)


def test_argon2_parameters_change_upgrades_the_hash_on_next_check():
    stock = make_password("s3cret-passphrase", hasher="argon2")
    # Same algorithm name, different parameters: Django's hasher would not change it,
    # Keyway's (the preferred one) must re-hash with its own parameters.
    stock = stock.replace("m=19456,t=2,p=1", "m=8192,t=1,p=1")
    assert KeywayArgon2PasswordHasher().must_update(stock)


def _legacy(raw_hash: str) -> str:
    return f"legacy_bcrypt${raw_hash}"


@pytest.mark.parametrize("prefix", ["$2a$", "$2b$", "$2y$"])
def test_legacy_bcrypt_verifies_every_variant_prefix(prefix):
    raw = bcrypt.hashpw(b"hunter2-hunter2", bcrypt.gensalt(4)).decode()
    encoded = _legacy(prefix + raw[4:])
    assert check_password("hunter2-hunter2", encoded)
    assert not check_password("hunter2-hunter3", encoded)


def test_legacy_bcrypt_uses_only_the_first_72_bytes_like_the_npm_packages():
    long_password = "é" * 40  # 80 bytes of UTF-8
    raw = bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(4)).decode()
    assert check_password(long_password, _legacy(raw))


@pytest.mark.parametrize(
    "stored",
    [
        "$2x$04$abcdefghijklmnopqrstuuXyXyXyXyXyXyXyXyXyXyXyXyXyXyXy",
        "$2b$99$abcdefghijklmnopqrstuu",
        "not-a-bcrypt-hash",
        "",
    ],
)
def test_legacy_bcrypt_rejects_malformed_or_unknown_hashes(stored):
    assert not LegacyBcryptPasswordHasher().verify("anything", _legacy(stored))


def test_legacy_bcrypt_hashes_are_always_upgraded():
    raw = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode()
    assert LegacyBcryptPasswordHasher().must_update(_legacy(raw))


def test_verified_legacy_hash_is_replaced_by_argon2id_on_check(user):
    raw = bcrypt.hashpw(b"legacy-password", bcrypt.gensalt(4)).decode()
    user.password = _legacy(raw)
    user.save()
    assert user.check_password("legacy-password")
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("legacy-password")


def test_failed_legacy_check_leaves_the_hash_alone(user):
    encoded = _legacy(bcrypt.hashpw(b"legacy-password", bcrypt.gensalt(4)).decode())
    user.password = encoded
    user.save()
    assert not user.check_password("wrong")
    user.refresh_from_db()
    assert user.password == encoded
