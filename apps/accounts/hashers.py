"""Password hashers.

New passwords use Argon2id with parameters measured for this class of machine (see the
README): time_cost=2, memory_cost=19 MiB, parallelism=1 — about 25 ms per check on one
core, the OWASP-recommended minimum for Argon2id. Django's stock Argon2 parameters
(100 MiB, 8 lanes) cost ~180 ms here and PBKDF2 at 1M iterations ~320 ms: either would cap
sign-ins near 3-5/s per core.

Hashes imported from the legacy Node.js service are bcrypt, stored as
``legacy_bcrypt$<the hash exactly as the npm package wrote it>``. They verify here and,
because this is not the first hasher, Django's ``check_password`` replaces them with
Argon2id on the first successful sign-in.

Hashes from passport-local-mongoose (PLM) are PBKDF2, stored as
``legacy_pbkdf2_plm$<digest>$<iterations>$<keylen>$<salt>$<check>`` (see
``LegacyPbkdf2PasswordHasher``) and upgraded the same way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets

import bcrypt
from django.contrib.auth.hashers import Argon2PasswordHasher, BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop as _


class KeywayArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, 2 passes over 19 MiB in one lane."""

    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


class LegacyBcryptPasswordHasher(BasePasswordHasher):
    """Verifies bcrypt hashes written by the ``bcrypt`` and ``bcryptjs`` npm packages.

    Both accept ``$2a$``, ``$2b$`` and ``$2y$`` hashes (the three differ only in how old
    C implementations mishandled 8-bit characters; the npm packages never had that bug)
    and both silently use only the first 72 bytes of the UTF-8 password, so we do too:
    otherwise a legacy user with a longer password could never sign in again.
    """

    algorithm = "legacy_bcrypt"
    library = "bcrypt"
    _PREFIXES = ("$2a$", "$2b$", "$2y$")
    _MAX_BYTES = 72

    def _secret(self, password: str) -> bytes:
        return password.encode("utf-8")[: self._MAX_BYTES]

    def salt(self) -> str:
        return bcrypt.gensalt(rounds=10).decode("ascii")

    def encode(self, password: str, salt: str) -> str:
        hashed = bcrypt.hashpw(self._secret(password), salt.encode("ascii")).decode("ascii")
        return f"{self.algorithm}${hashed}"

    def decode(self, encoded: str) -> dict:
        algorithm, hashed = encoded.split("$", 1)
        assert algorithm == self.algorithm  # noqa: S101 - Django's hasher protocol
        return {
            "algorithm": algorithm,
            "hash": hashed[29:],
            "salt": hashed[7:29],
            "work_factor": int(hashed[4:6]),
            "variant": hashed[1:3],
        }

    def verify(self, password: str, encoded: str) -> bool:
        algorithm, hashed = encoded.split("$", 1)
        if algorithm != self.algorithm or not hashed.startswith(self._PREFIXES):
            return False
        try:
            # Python's bcrypt reads $2a$/$2y$ as $2b$; re-derive and compare in constant time.
            candidate = bcrypt.hashpw(self._secret(password), hashed.encode("ascii"))
        except ValueError:  # a malformed salt or cost in the stored hash
            return False
        return constant_time_compare(candidate[4:], hashed.encode("ascii")[4:])

    def safe_summary(self, encoded: str) -> dict:
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("variant"): decoded["variant"],
            _("work factor"): decoded["work_factor"],
            _("salt"): mask_hash(decoded["salt"]),
            _("checksum"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return True

    def harden_runtime(self, password: str, encoded: str) -> None:
        # Never the preferred hasher, so there is no work-factor gap to pad out.
        return None


class LegacyPbkdf2PasswordHasher(BasePasswordHasher):
    """Verifies PBKDF2 hashes written by passport-local-mongoose (PLM).

    PLM stores two strings per user, ``salt`` and ``hash``. ``setPassword`` makes ``salt``
    from ``saltlen`` random bytes written in ``encoding`` (hex by default) and then calls
    ``crypto.pbkdf2(password, salt, iterations, keylen, digestAlgorithm)`` with that salt
    *string*: Node turns a string salt into its UTF-8 bytes, so the key is derived from the
    64 ASCII hex characters, not from the 32 random bytes they spell. ``hash`` is the derived
    key in ``encoding``. PLM's defaults: 25,000 iterations, sha256, keylen 512 bytes, saltlen
    32, hex. Older PLM versions used sha1, so the digest is part of every stored hash.

    Stored form, within Django's 128-character password column::

        legacy_pbkdf2_plm$<digest>$<iterations>$<keylen>$<salt>$<check>

    ``<salt>`` is ``h`` + unpadded base64 of the bytes a lower-case hex salt spells (PLM's
    default; the hex text is rebuilt to derive) or ``t`` + the salt text as-is. ``<check>``
    is unpadded base64 of the first ``min(keylen, 16)`` bytes of the derived key. PBKDF2's
    output is a concatenation of independent blocks, so those bytes are exactly the start of
    PLM's 512-byte key, derived at 1/16 of the cost (sha256) and still 128 bits to match;
    the rest of the key adds nothing to an attacker's or a verifier's certainty.
    """

    algorithm = "legacy_pbkdf2_plm"
    digests = ("sha1", "sha256", "sha512")
    default_digest = "sha256"
    default_iterations = 25_000
    default_keylen = 512
    check_bytes = 16
    max_iterations = 10_000_000  # a stored hash must not turn one sign-in into minutes of CPU
    max_keylen = 4096
    max_encoded = 128  # AbstractBaseUser.password
    _LOWER_HEX = re.compile(r"\A(?:[0-9a-f]{2})+\Z")

    def salt(self) -> str:
        return secrets.token_hex(32)  # what PLM writes: saltlen 32, hex

    @staticmethod
    def _secret(password: str) -> bytes:
        # Node encodes a string password as UTF-8, a lone surrogate as U+FFFD.
        return password.encode("utf-8", "surrogatepass").decode("utf-8", "replace").encode()

    @classmethod
    def derive(cls, password: str, salt: str, digest: str, iterations: int, length: int) -> bytes:
        """The first ``length`` bytes of PLM's derived key (salt: the text PLM stored)."""
        return hashlib.pbkdf2_hmac(
            digest, cls._secret(password), salt.encode("utf-8"), iterations, length
        )

    def encode(
        self,
        password: str,
        salt: str,
        *,
        digest: str | None = None,
        iterations: int | None = None,
        keylen: int | None = None,
    ) -> str:
        digest = digest or self.default_digest
        iterations = iterations or self.default_iterations
        keylen = keylen or self.default_keylen
        key = self.derive(password, salt, digest, iterations, min(keylen, self.check_bytes))
        return self.format(digest=digest, iterations=iterations, keylen=keylen, salt=salt, key=key)

    @staticmethod
    def _b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii").rstrip("=")

    @staticmethod
    def _unb64(text: str) -> bytes:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)

    @classmethod
    def format(cls, *, digest: str, iterations: int, keylen: int, salt: str, key: bytes) -> str:
        """Encode PLM's salt text and (at least the start of) its derived key."""
        if "$" in salt:
            raise ValueError("a PBKDF2 salt with $ cannot be stored")
        stored_salt = (
            "h" + cls._b64(bytes.fromhex(salt)) if cls._LOWER_HEX.match(salt) else "t" + salt
        )
        check = cls._b64(key[: min(keylen, cls.check_bytes)])
        return f"{cls.algorithm}${digest}${iterations}${keylen}${stored_salt}${check}"

    @classmethod
    def parse(cls, encoded: str) -> dict | None:
        """The parts of a stored hash, or None when it is not one this hasher can check."""
        parts = encoded.split("$")
        if len(parts) != 6 or parts[0] != cls.algorithm:
            return None
        _, digest, iterations, keylen, stored_salt, check = parts
        if digest not in cls.digests or not iterations.isdigit() or not keylen.isdigit():
            return None
        iterations_n, keylen_n = int(iterations), int(keylen)
        if not (0 < iterations_n <= cls.max_iterations and 0 < keylen_n <= cls.max_keylen):
            return None
        try:
            if stored_salt.startswith("h"):
                salt = cls._unb64(stored_salt[1:]).hex()
            elif stored_salt.startswith("t"):
                salt = stored_salt[1:]
            else:
                return None
            key = cls._unb64(check)
        except (ValueError, binascii.Error):
            return None
        if not salt or len(key) != min(keylen_n, cls.check_bytes):
            return None
        return {
            "algorithm": cls.algorithm,
            "digest": digest,
            "iterations": iterations_n,
            "keylen": keylen_n,
            "salt": salt,
            "key": key,
        }

    def decode(self, encoded: str) -> dict:
        decoded = self.parse(encoded)
        if decoded is None:
            raise ValueError("not a legacy_pbkdf2_plm hash")
        return decoded

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.parse(encoded)
        if decoded is None:
            return False
        candidate = self.derive(
            password, decoded["salt"], decoded["digest"], decoded["iterations"], len(decoded["key"])
        )
        return constant_time_compare(candidate, decoded["key"])

    def safe_summary(self, encoded: str) -> dict:
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("digest"): decoded["digest"],
            _("iterations"): decoded["iterations"],
            _("key length"): decoded["keylen"],
            _("salt"): mask_hash(decoded["salt"]),
            _("hash"): mask_hash(decoded["key"].hex()),
        }

    def must_update(self, encoded: str) -> bool:
        return True

    def harden_runtime(self, password: str, encoded: str) -> None:
        return None
