import pytest
from django.conf import settings
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_says_the_process_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["cache"] == "ok"
    # With a broker configured (CI: Redis) it must answer; embedded mode runs tasks eagerly.
    assert checks["broker"] == ("eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok")


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            # Nothing listens on port 9 (discard) on loopback: a real, refused connection.
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    },
    SESSION_ENGINE="django.contrib.sessions.backends.db",
)
def test_readyz_is_503_when_the_cache_is_unreachable(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"].startswith("error")
    assert body["checks"]["database"] == "ok"


def test_probes_are_never_cached(client):
    assert "no-cache" in client.get("/readyz")["Cache-Control"]


def test_probes_refuse_other_methods(client):
    assert client.post("/healthz").status_code == 405
