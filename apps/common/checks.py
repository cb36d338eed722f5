"""System checks that stop a misconfigured Keyway at start-up rather than at first request."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from apps.common.conf import DEFAULTS, keyway_settings
from apps.common.crypto import encryption_key_problems
from apps.common.ratelimit import Rate

_THROTTLE_KEYS = {"threshold", "base_delay", "max_delay", "window"}


@register(Tags.security)
def check_keyway_settings(app_configs: Any = None, **kwargs: Any) -> list:
    errors: list = []
    user_settings = getattr(settings, "KEYWAY", {})
    for name in sorted(set(user_settings) - set(DEFAULTS)):
        errors.append(
            Error(
                f"KEYWAY[{name!r}] is not a Keyway setting.",
                id="keyway.E001",
                hint=f"Known settings: {', '.join(sorted(DEFAULTS))}.",
            )
        )
    for name in ("SIGNIN_THROTTLE_ACCOUNT", "SIGNIN_THROTTLE_IP"):
        policy = user_settings.get(name, DEFAULTS[name])
        if (
            not isinstance(policy, dict)
            or set(policy) != _THROTTLE_KEYS
            or not all(isinstance(v, int) and v > 0 for v in policy.values())
        ):
            errors.append(
                Error(
                    f"KEYWAY[{name!r}] must map {sorted(_THROTTLE_KEYS)} to positive integers.",
                    id="keyway.E002",
                )
            )
        elif policy["base_delay"] > policy["max_delay"]:
            errors.append(
                Error(f"KEYWAY[{name!r}]: base_delay exceeds max_delay.", id="keyway.E003")
            )
    proxies = user_settings.get("TRUSTED_PROXY_COUNT", 0)
    if not isinstance(proxies, int) or proxies < 0:
        errors.append(
            Error("KEYWAY['TRUSTED_PROXY_COUNT'] must be a non-negative integer.", id="keyway.E004")
        )
    return errors


@register(Tags.security, deploy=True)
def check_deployment_stores(app_configs: Any = None, **kwargs: Any) -> list:
    """In a deployment, throttling and sessions must be shared between worker processes."""
    warnings: list = []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        warnings.append(
            Warning(
                "The cache is process-local: sign-in throttling is not shared between workers.",
                hint="Set REDIS_URL.",
                id="keyway.W001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        warnings.append(
            Warning(
                "The database is SQLite.", hint="Set DATABASE_URL to PostgreSQL.", id="keyway.W002"
            )
        )
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        warnings.append(
            Warning(
                "Celery runs tasks eagerly inside web requests.",
                hint="Set REDIS_URL or CELERY_BROKER_URL.",
                id="keyway.W003",
            )
        )
    if settings.PASSWORD_HASHERS[0] != "apps.accounts.hashers.KeywayArgon2PasswordHasher":
        warnings.append(
            Warning(
                "New passwords are not hashed with Keyway's Argon2id parameters.", id="keyway.W004"
            )
        )
    return warnings


@register(Tags.security, deploy=True)
def check_key_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list:
    """A deployment encrypts private signing keys with its own keys, not SECRET_KEY's.

    Without KEY_ENCRYPTION_KEYS the key is derived from SECRET_KEY, so rotating the
    secret key (e.g. after a leak of sessions) would make every signing key unreadable,
    and one leaked value would expose both.
    """
    keys = keyway_settings.KEY_ENCRYPTION_KEYS
    hint = (
        "Set KEYWAY_KEY_ENCRYPTION_KEYS to comma-separated Fernet keys, newest first: "
        'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    )
    if isinstance(keys, list | tuple) and not keys:
        return [
            Error(
                "KEY_ENCRYPTION_KEYS is empty: private signing keys would be encrypted with a "
                "key derived from SECRET_KEY.",
                hint=hint,
                id="keyway.E005",
            )
        ]
    return [
        Error(f"KEY_ENCRYPTION_KEYS: {problem}.", hint=hint, id="keyway.E005")
        for problem in encryption_key_problems(keys)
    ]


@register(Tags.security)
def check_operations_settings(app_configs: Any = None, **kwargs: Any) -> list:
    """Rate limits, the /metrics allow-list and housekeeping periods (issue 8)."""
    errors: list = []
    for name in ("TOKEN_RATE_LIMIT_CLIENT", "TOKEN_RATE_LIMIT_IP"):
        try:
            Rate.parse(str(getattr(keyway_settings, name)))
        except ValueError as exc:
            errors.append(Error(f"KEYWAY[{name!r}]: {exc}.", id="keyway.E006"))
    allowed = keyway_settings.METRICS_ALLOWED_IPS
    try:
        if isinstance(allowed, str):
            raise ValueError("a list is expected, not a string")
        for network in allowed:
            ipaddress.ip_network(network, strict=False)
    except (TypeError, ValueError) as exc:
        errors.append(
            Error(
                f"KEYWAY['METRICS_ALLOWED_IPS'] must list addresses or CIDR networks: {exc}.",
                id="keyway.E007",
            )
        )
    for name in ("RETENTION_SECONDS", "SIGNING_KEY_ROTATION_DAYS", "SAML_CREDENTIAL_ROTATION_DAYS"):
        value = getattr(keyway_settings, name)
        if not isinstance(value, int) or value < 0:
            errors.append(
                Error(f"KEYWAY[{name!r}] must be a non-negative integer.", id="keyway.E008")
            )
    return errors
