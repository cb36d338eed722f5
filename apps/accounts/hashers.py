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
"""

from __future__ import annotations

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
