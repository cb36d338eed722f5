"""What parsing a signing key costs, against signing an ID token with the cached key.

Run: .venv/bin/python bench/signing_keys.py [--rounds N]
Prints JSON: milliseconds (median of N) to parse a private key from PEM -- what a process
pays once per key, and would pay per request without the key cache -- and to sign or
verify an ID token through apps.oidc_provider.keys with a warm cache, plus the database
queries that hot path makes (expected: 0). Uses a throwaway test database (SQLite in
memory unless DATABASE_URL is set).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_test_environment
from jwcrypto import jwk

from apps.oidc_provider import keys

CLAIMS = {
    "iss": "https://id.example.com",
    "sub": "6f1c0c1e-4c7e-4c55-9d0a-1d2b3c4d5e6f",
    "aud": "wiki",
    "nonce": "n-0S6_WzA2Mj",
    "auth_time": 1_700_000_000,
    "iat": 1_700_000_000,
    "exp": 4_000_000_000,
    "email": "alice@example.com",
    "email_verified": True,
}


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 3)


def pem_of(private_key: object) -> bytes:
    return private_key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def parse_costs(rounds: int) -> dict[str, dict[str, float]]:
    """Library-level costs, independent of Keyway's code."""
    results = {}
    for name, private_key in (
        ("RSA-2048", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("RSA-3072", rsa.generate_private_key(public_exponent=65537, key_size=3072)),
        ("EC P-256", ec.generate_private_key(ec.SECP256R1())),
    ):
        pem = pem_of(private_key)
        alg = "ES256" if name.startswith("EC") else "RS256"

        def parse_and_use(pem: bytes = pem) -> None:
            # What jwcrypto does when nothing is cached: load (with validation), then
            # rebuild the key object from its numbers (validated again) on first use.
            jwk.JWK.from_pem(pem).get_op_key("sign")

        cached = jwk.JWK.from_pem(pem)
        cached.get_op_key("sign")

        def sign(key: jwk.JWK = cached, alg: str = alg) -> None:
            from jwcrypto import jwt

            token = jwt.JWT(header={"alg": alg, "kid": "k", "typ": "JWT"}, claims=CLAIMS)
            token.make_signed_token(key)
            token.serialize()

        results[name] = {
            "jwk_from_pem_ms": median_ms(lambda pem=pem: jwk.JWK.from_pem(pem), rounds),
            "from_pem_then_first_use_ms": median_ms(parse_and_use, rounds),
            "sign_with_parsed_key_ms": median_ms(sign, rounds * 10),
        }
    return results


def keyway_hot_path(rounds: int) -> dict[str, object]:
    """Through apps.oidc_provider.keys, on a throwaway database."""
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from apps.oidc_provider.key_services import signing_key_create

        keys.keys_cache_clear()
        for algorithm in ("RS256", "ES256"):
            signing_key_create(algorithm=algorithm, active_from=keys.timezone.now())
        keys.keys_cache_clear()

        start = time.perf_counter()
        keys.jwks_public()  # cold: reads the rows, decrypts and parses both keys
        cold_ms = round((time.perf_counter() - start) * 1000, 3)

        tokens = {a: keys.jwt_sign(claims=CLAIMS, algorithm=a) for a in ("RS256", "ES256")}
        with CaptureQueriesContext(connection) as queries:
            out: dict[str, object] = {
                "cold_load_both_keys_ms": cold_ms,
                "jwks_public_ms": median_ms(keys.jwks_public, rounds * 10),
            }
            for algorithm, token in tokens.items():
                out[f"jwt_sign_{algorithm}_ms"] = median_ms(
                    lambda a=algorithm: keys.jwt_sign(claims=CLAIMS, algorithm=a), rounds * 10
                )
                out[f"jwt_verify_{algorithm}_ms"] = median_ms(
                    lambda t=token: keys.jwt_verify(token=t), rounds * 10
                )
        out["database_queries_on_the_warm_path"] = len(queries)
        return out
    finally:
        keys.keys_cache_clear()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    report = {
        "cores": os.cpu_count(),
        "rounds": rounds,
        "parsing_vs_signing": parse_costs(rounds),
        "keyway_warm_cache": keyway_hot_path(rounds),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
