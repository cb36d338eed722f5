"""Keyway's namespaced settings: ``settings.KEYWAY`` merged over these defaults.

Read them as ``keyway_settings.SIGNIN_THROTTLE_ACCOUNT``; tests that override
``KEYWAY`` with ``override_settings`` see the new values at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS: dict[str, Any] = {
    # How many reverse proxies in front of Keyway append to X-Forwarded-For. 0 trusts none
    # and uses the socket peer address; a wrong value lets a client pick its own IP.
    "TRUSTED_PROXY_COUNT": 0,
    # Sign-in throttling: after `threshold` failures within `window` seconds, further
    # attempts wait base_delay * 2**(failures - threshold) seconds, capped at max_delay.
    "SIGNIN_THROTTLE_ACCOUNT": {"threshold": 5, "base_delay": 30, "max_delay": 900, "window": 3600},
    "SIGNIN_THROTTLE_IP": {"threshold": 50, "base_delay": 30, "max_delay": 900, "window": 3600},
    # Password-reset requests, per submitted email and per client IP (same policy shape).
    "PASSWORD_RESET_THROTTLE": {
        "email": {"threshold": 3, "base_delay": 60, "max_delay": 3600, "window": 3600},
        "ip": {"threshold": 20, "base_delay": 60, "max_delay": 3600, "window": 3600},
    },
    # Whether `manage.py keyway_demo_data` may create demo accounts (local settings only).
    "DEMO_DATA_ALLOWED": False,
    # Fernet keys (newest first) encrypting private keys at rest; empty derives one from
    # SECRET_KEY, which the production checks refuse.
    "KEY_ENCRYPTION_KEYS": [],
    # Seconds between publishing a new signing key in the JWKS and signing with it. Must
    # exceed JWKS_MAX_AGE + SIGNING_KEY_CACHE_SECONDS so every relying party has it first.
    "SIGNING_KEY_ACTIVATION_DELAY": 3600,
    # How long a process keeps its parsed key set before re-reading it from the database.
    "SIGNING_KEY_CACHE_SECONDS": 60,
    # Cache-Control max-age of the JWKS and discovery documents.
    "JWKS_MAX_AGE": 600,
    # Sign-on sessions: idle timeout (renewed by activity) and absolute lifetime, seconds.
    "SESSION_IDLE_TIMEOUT": 8 * 3600,
    "SESSION_ABSOLUTE_LIFETIME": 24 * 3600,
    # Authentication context classes, weakest first: a client requiring one of them makes a
    # session with a weaker one sign in again (step-up).
    "ACR_LEVELS": ["urn:keyway:acr:password", "urn:keyway:acr:mfa"],
    # Back-channel logout: delivery attempts and the first retry delay (doubling after).
    "LOGOUT_DELIVERY_MAX_ATTEMPTS": 5,
    "LOGOUT_DELIVERY_RETRY_DELAY": 10,
    "LOGOUT_DELIVERY_TIMEOUT": 5,
    # Clients (client_ids) allowed to call the Global Token Revocation endpoint.
    "GLOBAL_TOKEN_REVOCATION_CLIENTS": [],
    # SiteMinder authentication-scheme protection levels → acr: [[minimum level, acr], ...]
    # (the highest threshold at or below a realm's scheme level wins).
    "POLICY_ACR_BY_LEVEL": [[0, "urn:keyway:acr:password"], [10, "urn:keyway:acr:mfa"]],
    # SAML IdP. The entity ID defaults to ISSUER + "/saml/metadata".
    "SAML_IDP_ENTITY_ID": "",
    # Seconds an assertion (Conditions, SubjectConfirmationData) and a LogoutRequest are
    # valid; SP clocks drift, so not much shorter than this.
    "SAML_ASSERTION_LIFETIME": 300,
    # Seconds an AuthnRequest's IssueInstant may lag, and clock skew allowed either way.
    "SAML_REQUEST_MAX_AGE": 300,
    "SAML_CLOCK_SKEW": 120,
    # Largest inbound SAML message (decoded XML), bytes.
    "SAML_MESSAGE_MAX_BYTES": 64 * 1024,
    # Sign the IdP metadata document (SAML Metadata 3).
    "SAML_SIGN_METADATA": False,
    # Days the metadata says it is valid (validUntil); SPs should refresh before then.
    "SAML_METADATA_VALID_DAYS": 7,
    # Keyway acr -> SAML AuthnContextClassRef (Keyway's password sign-in is over TLS).
    "SAML_AUTHN_CONTEXT_CLASSES": {
        "urn:keyway:acr:password": (
            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        ),
        "urn:keyway:acr:mfa": "https://refeds.org/profile/mfa",
    },
    # Federation (upstream IdPs): clock skew allowed on SAML assertions and upstream ID
    # tokens (at most 300: python3-saml's own bound), how long a sign-in at the upstream
    # may take, the timeout of calls to upstreams, and how often URL metadata is re-read.
    "FEDERATION_CLOCK_SKEW": 120,
    "FEDERATION_REQUEST_TTL": 600,
    "FEDERATION_HTTP_TIMEOUT": 5,
    "FEDERATION_METADATA_REFRESH_SECONDS": 6 * 3600,
    # Token endpoint rate limits, "N/seconds" (fixed window, shared cache) or "0" for none:
    # per client_id as presented (before authentication) and per client IP.
    "TOKEN_RATE_LIMIT_CLIENT": "600/60",
    "TOKEN_RATE_LIMIT_IP": "1200/60",
    # Who may read /metrics: addresses or networks (CIDR); anyone else gets a 404.
    "METRICS_ALLOWED_IPS": ["127.0.0.1/32", "::1/128"],
    # Celery beat housekeeping: ended/expired sign-on sessions, finished logout deliveries
    # and spent authorization codes are deleted this many seconds after they end.
    "RETENTION_SECONDS": 7 * 24 * 3600,
    # Scheduled rotation (days since the newest key was created; 0: never). OIDC keys
    # are fetched from the JWKS by relying parties, so rotating them is safe; a SAML
    # credential change needs every SP to re-read the metadata, so it is off by default.
    "SIGNING_KEY_ROTATION_DAYS": 90,
    "SAML_CREDENTIAL_ROTATION_DAYS": 0,
    # OpenTelemetry tracing (apps.common.tracing), set up by the wsgi/asgi/Celery entry points.
    "TRACING": False,
    # Management API (apps.api): requests per token (or admin session) as "N/period"
    # (second, minute, hour, day), the largest JSON body, the largest SiteMinder export
    # uploaded to an import job, and how long an Idempotency-Key is remembered (seconds).
    "API_RATE_LIMIT": "600/minute",
    "API_MAX_BODY_BYTES": 256 * 1024,
    "API_IMPORT_MAX_BYTES": 50 * 1024 * 1024,
    "API_IDEMPOTENCY_TTL": 24 * 3600,
}


class KeywaySettings:
    def __init__(self, defaults: dict[str, Any]) -> None:
        self._defaults = defaults
        self._cache: dict[str, Any] = {}

    @property
    def user_settings(self) -> dict[str, Any]:
        return getattr(settings, "KEYWAY", {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._defaults:
            raise AttributeError(f"Unknown Keyway setting: {name}")
        if name not in self._cache:
            self._cache[name] = self.user_settings.get(name, self._defaults[name])
        return self._cache[name]

    def reload(self) -> None:
        self._cache.clear()


keyway_settings = KeywaySettings(DEFAULTS)


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "KEYWAY":
        keyway_settings.reload()


setting_changed.connect(_reload)
