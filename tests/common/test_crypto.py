"""Secrets at rest: MultiFernet over KEY_ENCRYPTION_KEYS, and the deployment check."""

from __future__ import annotations

from unittest import mock

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.checks import run_checks
from django.test import override_settings

from apps.common import crypto
from apps.common.crypto import secret_decrypt, secret_encrypt

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
SECRET = b"-----BEGIN PRIVATE KEY-----\nnot really a key\n-----END PRIVATE KEY-----\n"


def _keys(*keys: str) -> override_settings:
    return override_settings(KEYWAY={"KEY_ENCRYPTION_KEYS": list(keys)})


def _ids(**kwargs) -> set[str]:
    return {message.id for message in run_checks(**kwargs)}


def test_encrypted_secret_round_trips_and_hides_the_plaintext():
    with _keys(NEW_KEY):
        token = secret_encrypt(SECRET)
        assert SECRET not in token
        assert b"PRIVATE KEY" not in token
        assert secret_decrypt(token) == SECRET


def test_new_secrets_are_encrypted_with_the_first_key():
    with _keys(NEW_KEY, OLD_KEY):
        token = secret_encrypt(SECRET)
    assert Fernet(NEW_KEY).decrypt(token) == SECRET
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY).decrypt(token)


def test_data_encrypted_with_an_old_key_still_decrypts_when_it_is_second_in_the_list():
    with _keys(OLD_KEY):
        token = secret_encrypt(SECRET)
    with _keys(NEW_KEY, OLD_KEY):
        assert secret_decrypt(token) == SECRET


def test_data_decrypts_only_with_a_configured_key():
    with _keys(OLD_KEY):
        token = secret_encrypt(SECRET)
    with _keys(NEW_KEY, OTHER_KEY), pytest.raises(InvalidToken):
        secret_decrypt(token)


def test_altered_ciphertext_is_refused():
    with _keys(NEW_KEY):
        token = bytearray(secret_encrypt(SECRET))
        token[-5] ^= 1
        with pytest.raises(InvalidToken):
            secret_decrypt(bytes(token))


def test_without_keys_one_is_derived_from_the_secret_key_not_equal_to_it():
    with _keys(), override_settings(SECRET_KEY="first-secret-key-for-this-test-only"):
        token = secret_encrypt(SECRET)
        assert secret_decrypt(token) == SECRET
    # Derived, so bound to SECRET_KEY: another secret key cannot read it.
    with (
        _keys(),
        override_settings(SECRET_KEY="second-secret-key-for-this-test-only"),
        pytest.raises(InvalidToken),
    ):
        secret_decrypt(token)


def test_fernet_keys_are_parsed_once_per_setting_value():
    crypto._multi_fernet.cache_clear()
    with mock.patch.object(crypto, "Fernet", wraps=Fernet) as spy:
        with _keys(NEW_KEY, OLD_KEY):
            for _ in range(20):
                secret_decrypt(secret_encrypt(SECRET))
        assert spy.call_count == 2
        with _keys(OTHER_KEY):  # a changed setting is seen at once, and parsed once
            for _ in range(20):
                secret_decrypt(secret_encrypt(SECRET))
        assert spy.call_count == 3


@pytest.mark.parametrize("keys", [[], ()])
def test_deploy_check_refuses_missing_key_encryption_keys(keys):
    with override_settings(KEYWAY={"KEY_ENCRYPTION_KEYS": keys}):
        assert "keyway.E005" in _ids(include_deployment_checks=True)


@pytest.mark.parametrize(
    "keys",
    [["not-a-fernet-key"], [NEW_KEY, "c2hvcnQ="], "a-string-not-a-list", [NEW_KEY, 42]],
)
def test_deploy_check_refuses_unparseable_key_encryption_keys(keys):
    with override_settings(KEYWAY={"KEY_ENCRYPTION_KEYS": keys}):
        errors = [m for m in run_checks(include_deployment_checks=True) if m.id == "keyway.E005"]
    assert errors
    # The message names the position, never the key material.
    assert not any(NEW_KEY in str(e) for e in errors)


def test_deploy_check_accepts_fernet_keys():
    with _keys(NEW_KEY, OLD_KEY):
        assert "keyway.E005" not in _ids(include_deployment_checks=True)


def test_missing_keys_are_allowed_outside_deployment_checks():
    with _keys():
        assert "keyway.E005" not in _ids()
