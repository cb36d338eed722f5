"""The API's own limit per access token: 429 problem with Retry-After and the RateLimit
header fields; another token is counted apart."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _three_per_minute(settings):
    settings.KEYWAY = {**settings.KEYWAY, "API_RATE_LIMIT": "3/minute"}


def test_headers_count_down_then_429_with_retry_after(api):
    remaining = [api.get("/api/v1/users")["RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    limited = api.get("/api/v1/users")
    body = assert_problem(limited, 429)
    assert "throttled" in body["detail"].lower() or "request" in body["detail"].lower()
    assert 0 < int(limited["Retry-After"]) <= 60
    assert limited["RateLimit-Limit"] == "3"
    assert limited["RateLimit-Remaining"] == "0"
    assert 0 < int(limited["RateLimit-Reset"]) <= 60


def test_writes_count_and_a_limited_write_writes_nothing(api):
    for n in range(3):
        api.post("/api/v1/users", {"email": f"u{n}@example.com"})
    assert_problem(api.post("/api/v1/users", {"email": "late@example.com"}), 429)
    assert api.get("/api/v1/users").status_code == 429


def test_each_token_has_its_own_budget(make_api):
    one, two = make_api(), make_api()
    for _ in range(3):
        one.get("/api/v1/users")
    assert one.get("/api/v1/users").status_code == 429
    assert two.get("/api/v1/users").status_code == 200
