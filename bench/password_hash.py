"""Cost of one password check with each hasher Keyway may meet, on this machine.

Run: .venv/bin/python bench/password_hash.py [--rounds N]
Prints JSON: milliseconds per check (median of N) and the sign-in ceiling it implies
per core. The README's password section quotes these figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
)

from apps.accounts.hashers import KeywayArgon2PasswordHasher, LegacyBcryptPasswordHasher

PASSWORD = "correct horse battery staple"


def per_check_ms(hasher, rounds: int, **encode_kwargs) -> float:
    encoded = hasher.encode(PASSWORD, hasher.salt(), **encode_kwargs)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        assert hasher.verify(PASSWORD, encoded)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    results = {
        "keyway argon2id (t=2, m=19 MiB, p=1)": per_check_ms(KeywayArgon2PasswordHasher(), rounds),
        "django stock argon2id (t=2, m=100 MiB, p=8)": per_check_ms(Argon2PasswordHasher(), rounds),
        "django pbkdf2-sha256 (1,000,000 iterations)": per_check_ms(PBKDF2PasswordHasher(), rounds),
        "legacy bcrypt cost 10 (npm default)": per_check_ms(LegacyBcryptPasswordHasher(), rounds),
    }
    report = {
        name: {"ms_per_check": round(ms, 1), "checks_per_second_per_core": round(1000 / ms, 1)}
        for name, ms in results.items()
    }
    print(json.dumps({"cores": os.cpu_count(), "rounds": rounds, "hashers": report}, indent=2))


if __name__ == "__main__":
    main()
