from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from apps.common.x509 import (
    certificate_body,
    certificate_fingerprint,
    certificate_load,
    certificate_pem,
    credential_create,
)


def test_credential_is_a_self_signed_certificate_for_the_key_it_returns() -> None:
    key_pem, cert_pem = credential_create(common_name="idp.example")
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    certificate = certificate_load(cert_pem)
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    assert certificate.issuer == certificate.subject
    assert key.key_size == 3072


def test_metadata_base64_and_pem_are_the_same_certificate() -> None:
    _key, cert_pem = credential_create(common_name="sp.example")
    body = certificate_body(cert_pem)
    assert "\n" not in body
    assert "BEGIN" not in body
    assert certificate_pem(body) == cert_pem
    assert certificate_fingerprint(body) == certificate_fingerprint(cert_pem)
    assert len(certificate_fingerprint(body).split(":")) == 32


@pytest.mark.parametrize("text", ["", "not base64 !", "aGVsbG8="])
def test_garbage_is_not_a_certificate(text: str) -> None:
    with pytest.raises(ValueError, match=r"X\.509"):
        certificate_load(text)
