"""Settings shared by every environment. Deployment values come from ``config.env``."""

from pathlib import Path

import dj_database_url

from apps.common.logs import logging_config
from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.apps.KeywayAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "oauth2_provider",
    "rest_framework",
    "drf_spectacular",
    "django_prometheus",
    "apps.common",
    "apps.audit",
    "apps.accounts",
    "apps.oidc_provider",
    "apps.sso_sessions",
    "apps.saml_idp",
    "apps.federation",
    "apps.policies",
    "apps.siteminder_import",
    "apps.api",
]

MIDDLEWARE = [
    # First and last: request counts and latencies for /metrics (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "apps.common.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.sso_sessions.middleware.SignOnSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------
# Embedded default: SQLite + local-memory cache + eager Celery, so `make run` needs nothing
# else installed. DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis.
DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_KEY_PREFIX = env_str("KEYWAY_CACHE_PREFIX", "keyway")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "keyway",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

# Sessions live in the database with the cache in front of them: a Redis flush never
# signs everybody out, and the hot path does not hit the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_NAME = "keyway_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("KEYWAY_SESSION_COOKIE_AGE", 60 * 60 * 12)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "apps.common.views.errors.csrf_failure"

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE = {
    # Logout deliveries left pending by a broker outage are queued again.
    "logout-deliveries-resume": {
        "task": "sso_sessions.logout_deliveries_resume",
        "schedule": 300.0,
    },
    # Upstream SAML IdPs registered by metadata URL: re-read those older than
    # KEYWAY["FEDERATION_METADATA_REFRESH_SECONDS"] (certificate rollover).
    "federation-metadata-refresh": {
        "task": "federation.saml_metadata_refresh_all",
        "schedule": 3600.0,
    },
    # Expired tokens and codes; sessions and logout deliveries over KEYWAY RETENTION_SECONDS.
    "oidc-tokens-purge": {"task": "oidc_provider.tokens_purge", "schedule": 3600.0},
    "sessions-purge": {"task": "sso_sessions.sessions_purge", "schedule": 3600.0},
    # Key rotation when the newest key is older than KEYWAY SIGNING_KEY_ROTATION_DAYS /
    # SAML_CREDENTIAL_ROTATION_DAYS (0 turns either off); checked daily.
    "signing-keys-rotate": {"task": "oidc_provider.signing_keys_rotate_due", "schedule": 86400.0},
    "saml-credential-rotate": {"task": "saml_idp.credential_rotate_due", "schedule": 86400.0},
}

# --- Accounts and passwords --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:signin"
LOGIN_REDIRECT_URL = "accounts:home"

# The first hasher is used for new hashes; every other one is verified and then upgraded
# on the next successful sign-in (Django's check_password setter).
# KeywayArgon2 also verifies argon2 hashes made with other parameters (and upgrades them).
PASSWORD_HASHERS = [
    "apps.accounts.hashers.KeywayArgon2PasswordHasher",
    "apps.accounts.hashers.LegacyBcryptPasswordHasher",
    "apps.accounts.hashers.LegacyPbkdf2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Only for client secrets (high-entropy, generated): see apps/oidc_provider/hashers.py.
    "apps.oidc_provider.hashers.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Email (password-reset links) -------------------------------------------------------
# The console backend prints mail to the log: fine for `make run`, not for a deployment.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # seconds: a stuck mail server must not hold a worker forever
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Keyway <no-reply@localhost>")
PASSWORD_RESET_TIMEOUT = 3600  # seconds a reset link works (it also dies once used)

# --- Request limits ----------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# --- Security headers --------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Internationalisation and static files -----------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Logging ---------------------------------------------------------------------------
# structlog renders every line (Django's, Celery's, audit events) as one JSON object with
# request_id and trace_id (apps.common.logs); KEYWAY_LOG_FORMAT=console for people.
LOGGING = logging_config(
    fmt=env_str("KEYWAY_LOG_FORMAT", "json"), level=env_str("DJANGO_LOG_LEVEL", "INFO")
)

# --- OAuth 2.0 / OpenID Connect (django-oauth-toolkit) -----------------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "oidc_provider.Client"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    # The issuer is configured, never derived from the Host header (OIDC Discovery 3:
    # it must match exactly what relying parties expect).
    "OIDC_ISS_ENDPOINT": env_str("KEYWAY_ISSUER", f"http://127.0.0.1:{env_int('PORT', 8000)}"),
    "OAUTH2_VALIDATOR_CLASS": "apps.oidc_provider.validators.KeywayValidator",
    "OAUTH2_SERVER_CLASS": "apps.oidc_provider.server.KeywayServer",
    "OIDC_SERVER_CLASS": "apps.oidc_provider.server.KeywayServer",
    "CLIENT_SECRET_HASHER": "keyway_client_secret",
    "SCOPES": {
        "openid": "Sign you in",
        "profile": "See your name",
        "email": "See your email address",
        "groups": "See the groups you belong to",
        "offline_access": "Stay connected when you are not using it",
        "global_token_revocation": "Sign people out everywhere and revoke all their tokens",
        # Management API (apps.api): honoured only on client-credentials tokens.
        "keyway.admin.read": "Read Keyway's configuration, users, sessions and audit log",
        "keyway.admin.write": "Change Keyway's configuration, users and sessions",
    },
    "DEFAULT_SCOPES": ["openid"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("KEYWAY_ACCESS_TOKEN_SECONDS", 3600),
    "ID_TOKEN_EXPIRE_SECONDS": env_int("KEYWAY_ID_TOKEN_SECONDS", 3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("KEYWAY_REFRESH_TOKEN_SECONDS", 30 * 24 * 3600),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "PKCE_REQUIRED": True,
    # Client.clean() allows plain http for loopback redirect URIs only (RFC 8252 8.3).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # RFC 9700 (OAuth 2.0 Security BCP): enforce every recommendation DOT gates.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# --- Keyway ------------------------------------------------------------------------------
# One namespaced settings object; defaults and validation live in apps.common.conf/checks.
KEYWAY = {
    "TRUSTED_PROXY_COUNT": env_int("KEYWAY_TRUSTED_PROXY_COUNT", 0),
    "SIGNIN_THROTTLE_ACCOUNT": {
        "threshold": env_int("KEYWAY_SIGNIN_ACCOUNT_THRESHOLD", 5),
        "base_delay": 30,
        "max_delay": 900,
        "window": 3600,
    },
    "SIGNIN_THROTTLE_IP": {
        "threshold": env_int("KEYWAY_SIGNIN_IP_THRESHOLD", 50),
        "base_delay": 30,
        "max_delay": 900,
        "window": 3600,
    },
    "PASSWORD_RESET_THROTTLE": {
        "email": {"threshold": 3, "base_delay": 60, "max_delay": 3600, "window": 3600},
        "ip": {"threshold": 20, "base_delay": 60, "max_delay": 3600, "window": 3600},
    },
    "DEMO_DATA_ALLOWED": False,
    # Fernet keys (comma-separated, newest first) that encrypt private signing keys at rest.
    # Empty outside production: derived from DJANGO_SECRET_KEY.
    "KEY_ENCRYPTION_KEYS": env_list("KEYWAY_KEY_ENCRYPTION_KEYS"),
    "SIGNING_KEY_ACTIVATION_DELAY": env_int("KEYWAY_SIGNING_KEY_ACTIVATION_DELAY", 3600),
    "SIGNING_KEY_CACHE_SECONDS": 60,
    "JWKS_MAX_AGE": 600,
    "SESSION_IDLE_TIMEOUT": env_int("KEYWAY_SESSION_IDLE_TIMEOUT", 8 * 3600),
    "SESSION_ABSOLUTE_LIFETIME": env_int("KEYWAY_SESSION_ABSOLUTE_LIFETIME", 24 * 3600),
    "ACR_LEVELS": ["urn:keyway:acr:password", "urn:keyway:acr:mfa"],
    "LOGOUT_DELIVERY_MAX_ATTEMPTS": 5,
    "LOGOUT_DELIVERY_RETRY_DELAY": 10,
    "LOGOUT_DELIVERY_TIMEOUT": 5,
    "GLOBAL_TOKEN_REVOCATION_CLIENTS": env_list("KEYWAY_GLOBAL_TOKEN_REVOCATION_CLIENTS"),
    # SiteMinder authentication-scheme protection level → acr ([minimum level, acr], ...).
    "POLICY_ACR_BY_LEVEL": [[0, "urn:keyway:acr:password"], [10, "urn:keyway:acr:mfa"]],
    "FEDERATION_CLOCK_SKEW": env_int("KEYWAY_FEDERATION_CLOCK_SKEW", 120),
    "FEDERATION_REQUEST_TTL": 600,
    "FEDERATION_HTTP_TIMEOUT": 5,
    "FEDERATION_METADATA_REFRESH_SECONDS": 6 * 3600,
    "TOKEN_RATE_LIMIT_CLIENT": env_str("KEYWAY_TOKEN_RATE_LIMIT_CLIENT", "600/60"),
    "TOKEN_RATE_LIMIT_IP": env_str("KEYWAY_TOKEN_RATE_LIMIT_IP", "1200/60"),
    "METRICS_ALLOWED_IPS": env_list("KEYWAY_METRICS_ALLOWED_IPS", ["127.0.0.1/32", "::1/128"]),
    "RETENTION_SECONDS": env_int("KEYWAY_RETENTION_SECONDS", 7 * 24 * 3600),
    "SIGNING_KEY_ROTATION_DAYS": env_int("KEYWAY_SIGNING_KEY_ROTATION_DAYS", 90),
    "SAML_CREDENTIAL_ROTATION_DAYS": env_int("KEYWAY_SAML_CREDENTIAL_ROTATION_DAYS", 0),
    "TRACING": env_bool("KEYWAY_TRACING", bool(env_str("OTEL_EXPORTER_OTLP_ENDPOINT"))),
    "API_RATE_LIMIT": env_str("KEYWAY_API_RATE_LIMIT", "600/minute"),
    "API_MAX_BODY_BYTES": 256 * 1024,
    "API_IMPORT_MAX_BYTES": 50 * 1024 * 1024,
    "API_IDEMPOTENCY_TTL": 24 * 3600,
}

# --- Management API (apps.api) -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.api.authentication.ClientCredentialsAuthentication",
        "apps.api.authentication.AdminSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.permissions.AdminScope"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["apps.api.renderers.KeywayJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.IdCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Keyway management API",
    "DESCRIPTION": "Users, clients, SAML service providers, upstream identity providers, "
    "sessions, policies, SiteMinder imports and the audit log. Errors are RFC 9457 "
    "problem details (application/problem+json).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.problem_responses_hook",
    ],
}
