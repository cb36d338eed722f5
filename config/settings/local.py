"""Local development: the embedded default (SQLite, local-memory cache, eager Celery)."""

from config.env import env_str

from .base import *

DEBUG = True
# A fixed, obviously-local key: local settings never serve real users.
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "django-insecure-local-development-only"
KEYWAY["DEMO_DATA_ALLOWED"] = True
