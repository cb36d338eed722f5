"""X.509 credentials for SAML: Keyway's own signing certificates and the certificates that
partners publish in their metadata.

SAML metadata carries keys as X.509 certificates (SAML Metadata 2.4.1.1, XML Signature
``ds:X509Certificate``). Keyway's own are self-signed: in SAML the certificate is only a
key container, trust comes from the exchanged metadata (SAML V2.0 Metadata Interoperability
Profile section 2.5), so no CA is involved. Everything here goes through ``cryptography``.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

# 3072-bit RSA: NIST SP 800-57's 128-bit security level, good past 2030.
RSA_KEY_SIZE = 3072

_PEM_BODY = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)


def credential_create(*, common_name: str, days: int = 3650) -> tuple[str, str]:
    """A new RSA key and a self-signed certificate for it: ``(private_key_pem, cert_pem)``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_load(text: str) -> x509.Certificate:
    """Parse a certificate given as PEM or as the bare base64 of metadata's
    ``ds:X509Certificate``. Raises ValueError for anything else."""
    body = certificate_body(text)
    try:
        der = base64.b64decode(body, validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as error:
        raise ValueError("not an X.509 certificate") from error


def certificate_body(text: str) -> str:
    """The certificate's base64 without PEM armour or whitespace (what metadata holds)."""
    match = _PEM_BODY.search(text)
    return re.sub(r"\s+", "", match.group(1) if match else text)


def certificate_pem(text: str) -> str:
    """Normalise a PEM or bare-base64 certificate to PEM. Raises ValueError if invalid."""
    return certificate_load(text).public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_fingerprint(text: str) -> str:
    """SHA-256 fingerprint as colon-separated upper-case hex (as admins compare them)."""
    digest = certificate_load(text).fingerprint(hashes.SHA256())
    return ":".join(f"{byte:02X}" for byte in digest)
