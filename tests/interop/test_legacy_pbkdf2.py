"""PBKDF2 hashes written live by the real passport-local-mongoose package (plm_hash.mjs drives
its setPassword/authenticate without a MongoDB) verify in Keyway, and Keyway's agree with it."""

import json

import pytest

from apps.accounts.hashers import LegacyPbkdf2PasswordHasher as PLM
from apps.accounts.importers.users import Pbkdf2Defaults, record_from_mapping

pytestmark = [pytest.mark.django_db, pytest.mark.interop]

PASSWORDS = {
    "ascii": "correct horse battery staple",
    "unicode": "pässwörd-ünïcode-✓",
    "long": "ß" * 200,
}
OPTIONS = {
    "defaults": {},
    "sha1-small": {"iterations": 1000, "keylen": 64, "digestAlgorithm": "sha1"},
    "sha512-base64": {
        "iterations": 2000,
        "keylen": 32,
        "digestAlgorithm": "sha512",
        "encoding": "base64",
    },
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("password", PASSWORDS.values(), ids=PASSWORDS.keys())
def test_plm_hash_imports_and_verifies(node_peer, options, password):
    stored = json.loads(node_peer("plm_hash.mjs", "hash", json.dumps(options), stdin=password))
    record = {"email": "plm@example.com", **stored}
    defaults = Pbkdf2Defaults(
        iterations=options.get("iterations", 25_000),
        keylen=options.get("keylen", 512),
        digest=options.get("digestAlgorithm", "sha256"),
        encoding=options.get("encoding", "hex"),
    )
    encoded = record_from_mapping(record, 1, defaults).password
    assert encoded.startswith("legacy_pbkdf2_plm$")
    assert PLM().verify(password, encoded)
    assert not PLM().verify(password + "!", encoded)


def test_keyway_encoded_hash_is_accepted_by_plm(node_peer):
    hasher = PLM()
    salt = hasher.salt()
    key = PLM.derive("made in keyway", salt, "sha256", 25_000, 512).hex()
    assert node_peer("plm_hash.mjs", "compare", salt, key, stdin="made in keyway") == "true"
    assert node_peer("plm_hash.mjs", "compare", salt, key, stdin="other") == "false"
    assert PLM().verify("made in keyway", hasher.encode("made in keyway", salt))
