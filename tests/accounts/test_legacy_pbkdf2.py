"""passport-local-mongoose (PBKDF2) hashes: vectors written by the real npm package
(tests/fixtures/legacy, made with tests/interop/node/plm_hash.mjs), verified and upgraded."""

import hashlib
import json
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher

from apps.accounts.hashers import LegacyPbkdf2PasswordHasher
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures" / "legacy"
PLM = LegacyPbkdf2PasswordHasher


def _plm_records() -> list[dict]:
    passwords = json.loads((FIXTURES / "passwords.json").read_text())
    records = []
    for line in (FIXTURES / "users.jsonl").read_text().splitlines():
        record = json.loads(line)
        if "salt" in record:
            records.append({**record, "password": passwords[record["email"]]})
    return records


def _encoded(record: dict) -> str:
    return PLM.format(
        digest=record.get("digest", "sha256"),
        iterations=record.get("iterations", 25_000),
        keylen=record.get("keylen", 512),
        salt=record["salt"],
        key=bytes.fromhex(record["hash"]),
    )


@pytest.mark.parametrize("record", _plm_records(), ids=lambda record: record["email"])
def test_plm_vectors_verify_and_wrong_passwords_do_not(record):
    encoded = _encoded(record)
    assert isinstance(identify_hasher(encoded), PLM)
    assert PLM().verify(record["password"], encoded)
    assert not PLM().verify(record["password"] + "x", encoded)
    assert not PLM().verify("", encoded)


def test_plm_salt_is_the_hex_text_not_the_bytes_it_spells():
    record = next(r for r in _plm_records() if "iterations" not in r)
    as_text = hashlib.pbkdf2_hmac(
        "sha256", record["password"].encode(), record["salt"].encode(), 25_000, 512
    )
    as_bytes = hashlib.pbkdf2_hmac(
        "sha256", record["password"].encode(), bytes.fromhex(record["salt"]), 25_000, 512
    )
    assert as_text.hex() == record["hash"]
    assert as_bytes.hex() != record["hash"]


def test_encode_writes_plm_defaults_and_round_trips():
    hasher = PLM()
    salt = hasher.salt()
    assert len(salt) == 64
    encoded = hasher.encode("s3cret", salt, iterations=1000, keylen=32)
    assert encoded.startswith("legacy_pbkdf2_plm$sha256$1000$32$h")
    assert PLM.parse(encoded)["salt"] == salt
    assert check_password("s3cret", encoded)
    summary = hasher.safe_summary(encoded)
    assert summary["iterations"] == 1000
    assert salt not in str(summary)


@pytest.mark.parametrize(
    "stored",
    [
        "legacy_pbkdf2_plm$md5$1000$4$tabcd$AAECAw",
        "legacy_pbkdf2_plm$sha256$0$4$tabcd$AAECAw",
        "legacy_pbkdf2_plm$sha256$99999999$4$tabcd$AAECAw",
        "legacy_pbkdf2_plm$sha256$1000$4$tabcd$AAEC",
        "legacy_pbkdf2_plm$sha256$1000$4$tabcd$AA!CAw",
        "legacy_pbkdf2_plm$sha256$1000$4$t$AAECAw",
        "legacy_pbkdf2_plm$sha256$1000$4$xabcd$AAECAw",
        "legacy_pbkdf2_plm$sha256$1000$4$ta$cd$AAECAw",
        "legacy_pbkdf2_plm$sha256$x$4$tabcd$AAECAw",
        "legacy_pbkdf2_plm$",
    ],
)
def test_malformed_plm_hashes_never_verify(stored):
    assert not PLM().verify("anything", stored)
    assert PLM.parse(stored) is None


def test_stored_form_fits_djangos_password_column_and_checks_the_key_start():
    record = next(r for r in _plm_records() if "iterations" not in r)  # PLM defaults
    encoded = _encoded(record)
    assert len(encoded) <= 128
    assert PLM.parse(encoded)["key"] == bytes.fromhex(record["hash"])[:16]


def test_plm_hashes_are_always_upgraded():
    assert PLM().must_update(PLM().encode("pw", PLM().salt(), iterations=1, keylen=8))


def test_legacy_plm_user_signs_in_on_the_hosted_page_and_is_upgraded(client, make_user):
    record = next(r for r in _plm_records() if "iterations" not in r)  # PLM defaults
    user = make_user(email="plm@example.com", password=None)
    user.password = _encoded(record)
    user.save()

    assert sign_in(client, "plm@example.com", "wrong password").status_code == 200
    user.refresh_from_db()
    assert user.password == _encoded(record)

    assert sign_in(client, "plm@example.com", record["password"]).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    client.post("/signout/")
    assert sign_in(client, "plm@example.com", record["password"]).status_code == 302
