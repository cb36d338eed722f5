"""Local development: the embedded default (SQLite, local-memory cache, eager Celery)."""

from apps.common.logs import logging_config
from config.env import env_str

from .base import *

DEBUG = True
# A fixed, obviously-local key: local settings never serve real users.
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "django-insecure-local-development-only"
KEYWAY["DEMO_DATA_ALLOWED"] = True
# People read the local log: columns rather than JSON, unless asked otherwise.
LOGGING = logging_config(
    fmt=env_str("KEYWAY_LOG_FORMAT", "console"), level=env_str("DJANGO_LOG_LEVEL", "INFO")
)
