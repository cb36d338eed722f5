"""Settings for the test suite: the embedded default, or PostgreSQL/Redis when the
environment names them (CI sets DATABASE_URL and REDIS_URL)."""

from config.env import env_str

from .base import *

SECRET_KEY = "test-only-secret-key-not-for-deployment"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Keep the tests' keys apart from anything else sharing the Redis server.
OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"] = "http://testserver"
CACHES["default"]["KEY_PREFIX"] = env_str("KEYWAY_CACHE_PREFIX", "keyway-test")
# Serve static files from the source folders: no collectstatic needed to run the tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
