"""Hashes written by the legacy Node.js service's real npm packages verify in Keyway and are
upgraded to Argon2id at the first sign-in through the hosted page."""

import pytest

from apps.accounts.hashers import LegacyBcryptPasswordHasher
from tests.helpers import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.interop]

# The npm packages the legacy service used, as named in tests/interop/node/package.json.
LIBRARIES = {"bcrypt": "$2b$", "bcryptjs": "$2b$", "bcryptjs-v2": "$2a$"}
PASSWORDS = {
    "ascii": "correct horse battery staple",
    "unicode": "pässwörd-ünïcode-✓",
    "over-72-bytes": "ß" * 50,  # 100 bytes of UTF-8
}


@pytest.mark.parametrize("library", sorted(LIBRARIES))
@pytest.mark.parametrize("password", PASSWORDS.values(), ids=PASSWORDS.keys())
def test_npm_hash_verifies_and_wrong_password_does_not(node_peer, library, password):
    raw = node_peer("bcrypt_hash.mjs", "hash", library, "4", stdin=password)
    assert raw.startswith(LIBRARIES[library])
    hasher = LegacyBcryptPasswordHasher()
    assert hasher.verify(password, f"legacy_bcrypt${raw}")
    assert not hasher.verify("!" + password[1:], f"legacy_bcrypt${raw}")


def test_2y_hash_accepted_by_bcryptjs_is_accepted_by_keyway(node_peer):
    raw = node_peer("bcrypt_hash.mjs", "hash", "bcryptjs", "4", stdin="php-era password")
    as_2y = "$2y$" + raw[4:]
    assert (
        node_peer("bcrypt_hash.mjs", "compare", "bcryptjs", as_2y, stdin="php-era password")
        == "true"
    )
    assert LegacyBcryptPasswordHasher().verify("php-era password", f"legacy_bcrypt${as_2y}")


def test_keyway_and_bcryptjs_agree_on_the_72_byte_limit(node_peer):
    password = "x" * 72
    raw = node_peer("bcrypt_hash.mjs", "hash", "bcryptjs", "4", stdin=password)
    longer = password + "ignored tail"
    assert node_peer("bcrypt_hash.mjs", "compare", "bcryptjs", raw, stdin=longer) == "true"
    assert LegacyBcryptPasswordHasher().verify(longer, f"legacy_bcrypt${raw}")


@pytest.mark.parametrize("library", ["bcryptjs", "bcryptjs-v2", "bcrypt"])
def test_legacy_user_signs_in_on_the_hosted_page_and_is_upgraded(
    client, make_user, node_peer, library
):
    raw = node_peer("bcrypt_hash.mjs", "hash", library, "10", stdin="my old password")
    user = make_user(email="legacy@example.com", password=None)
    user.password = f"legacy_bcrypt${raw}"
    user.save()

    assert sign_in(client, "legacy@example.com", "my old password").status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    client.post("/signout/")
    assert sign_in(client, "legacy@example.com", "my old password").status_code == 302
