"""Rate limits (issue 8): the token endpoint per client and per IP, sign-in per account and
per IP; 429 with Retry-After and the IETF RateLimit headers; "0" lifts a limit."""

from __future__ import annotations

import base64

import pytest
from django.conf import settings
from django.test import override_settings
from oauth2_provider.models import AccessToken

from apps.accounts.models import User
from apps.common.checks import check_operations_settings
from apps.common.ratelimit import Rate, rate_limit_hit
from apps.oidc_provider.client_services import client_create
from tests.conftest import PASSWORD
from tests.helpers import sign_in


def _limits(**values: object) -> override_settings:
    return override_settings(KEYWAY={**settings.KEYWAY, **values})


def _service(name: str = "Service") -> dict[str, str]:
    client, secret = client_create(
        name=name,
        client_type="confidential",
        redirect_uris=[],
        scopes=["groups"],
        grant_types=["client_credentials"],
    )
    raw = f"{client.client_id}:{secret}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}


def _token(client, auth: dict[str, str], **extra: str):
    return client.post(
        "/oauth/token",
        "grant_type=client_credentials&scope=groups",
        content_type="application/x-www-form-urlencoded",
        **auth,
        **extra,
    )


def test_rate_strings_parse_and_zero_switches_the_limit_off():
    assert Rate.parse("100/60") == Rate(limit=100, period=60)
    assert Rate.parse(" 5 / 1 ") == Rate(limit=5, period=1)
    assert Rate.parse("0") is None
    assert Rate.parse("") is None
    for bad in ("abc", "10", "0/60", "10/0", "-1/60", "1.5/60"):
        with pytest.raises(ValueError, match="is not a rate"):
            Rate.parse(bad)


def test_a_window_counts_down_then_reports_exceeded_with_its_reset():
    rate = Rate(limit=2, period=60)
    first = rate_limit_hit(scope="t", identifier="x", rate=rate)
    second = rate_limit_hit(scope="t", identifier="x", rate=rate)
    third = rate_limit_hit(scope="t", identifier="x", rate=rate)
    assert (first.remaining, second.remaining, third.exceeded) == (1, 0, True)
    assert 1 <= third.reset <= 60
    assert third.headers() == {
        "RateLimit-Limit": "2",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(third.reset),
        "Retry-After": str(third.reset),
    }
    assert not rate_limit_hit(scope="t", identifier="y", rate=rate).exceeded


@pytest.mark.django_db
def test_token_endpoint_answers_429_per_client_with_an_oauth_error_and_headers(client):
    auth = _service()
    with _limits(TOKEN_RATE_LIMIT_CLIENT="2/60", TOKEN_RATE_LIMIT_IP="0"):
        ok = [_token(client, auth) for _ in range(2)]
        refused = _token(client, auth)
    assert [r.status_code for r in ok] == [200, 200]
    assert ok[1]["RateLimit-Limit"] == "2"
    assert ok[1]["RateLimit-Remaining"] == "0"
    assert refused.status_code == 429
    assert refused.json()["error"] == "temporarily_unavailable"
    assert "error_description" in refused.json()
    assert refused["Cache-Control"] == "no-store"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Remaining"] == "0"
    assert refused["RateLimit-Reset"] == refused["Retry-After"]
    # The refused request never reached the grant: two tokens, not three.
    assert AccessToken.objects.count() == 2


@pytest.mark.django_db
def test_token_endpoint_limit_per_client_counts_each_client_apart(client):
    first, second = _service("One"), _service("Two")
    with _limits(TOKEN_RATE_LIMIT_CLIENT="1/60", TOKEN_RATE_LIMIT_IP="0"):
        statuses = [_token(client, auth).status_code for auth in (first, first, second)]
    assert statuses == [200, 429, 200]


@pytest.mark.django_db
def test_token_endpoint_limit_per_ip_covers_every_client_from_that_address(client):
    first, second = _service("One"), _service("Two")
    with _limits(TOKEN_RATE_LIMIT_CLIENT="0", TOKEN_RATE_LIMIT_IP="2/60"):
        statuses = [_token(client, auth).status_code for auth in (first, second, first)]
        elsewhere = _token(client, second, REMOTE_ADDR="10.1.2.3")
    assert statuses == [200, 200, 429]
    assert elsewhere.status_code == 200


@pytest.mark.django_db
def test_token_endpoint_limits_a_client_id_sent_in_the_form_before_authentication(client):
    with _limits(TOKEN_RATE_LIMIT_CLIENT="1/60", TOKEN_RATE_LIMIT_IP="0"):
        body = "grant_type=client_credentials&client_id=nobody&client_secret=guess"
        kind = "application/x-www-form-urlencoded"
        assert client.post("/oauth/token", body, content_type=kind).status_code == 401
        assert client.post("/oauth/token", body, content_type=kind).status_code == 429


@pytest.mark.django_db
def test_token_endpoint_limits_set_to_zero_are_lifted_and_send_no_headers(client):
    auth = _service()
    with _limits(TOKEN_RATE_LIMIT_CLIENT="0", TOKEN_RATE_LIMIT_IP="0"):
        responses = [_token(client, auth) for _ in range(5)]
    assert {r.status_code for r in responses} == {200}
    assert not responses[-1].has_header("RateLimit-Limit")


def test_sign_in_throttle_answers_429_with_retry_after_and_ratelimit_headers(client, user: User):
    threshold = settings.KEYWAY["SIGNIN_THROTTLE_ACCOUNT"]["threshold"]
    for _ in range(threshold):
        sign_in(client, user.email, "wrong")
    refused = sign_in(client, user.email, PASSWORD)
    assert refused.status_code == 429
    assert refused["RateLimit-Limit"] == str(threshold)
    assert refused["RateLimit-Remaining"] == "0"
    assert refused["RateLimit-Reset"] == refused["Retry-After"]
    assert int(refused["Retry-After"]) > 0


def test_sign_in_throttle_per_ip_spans_accounts(client, make_user):
    with _limits(
        SIGNIN_THROTTLE_IP={"threshold": 2, "base_delay": 30, "max_delay": 60, "window": 600}
    ):
        sign_in(client, "a@example.com", "wrong")
        sign_in(client, "b@example.com", "wrong")
        refused = sign_in(client, "c@example.com", "wrong")
    assert refused.status_code == 429
    assert refused["RateLimit-Limit"] == "2"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TOKEN_RATE_LIMIT_CLIENT", "lots"),
        ("TOKEN_RATE_LIMIT_IP", "10/0"),
        ("METRICS_ALLOWED_IPS", ["not-an-address"]),
        ("METRICS_ALLOWED_IPS", "127.0.0.1"),
        ("RETENTION_SECONDS", -1),
        ("SIGNING_KEY_ROTATION_DAYS", "90"),
    ],
)
def test_system_checks_refuse_malformed_operations_settings(name: str, value: object):
    with _limits(**{name: value}):
        errors = check_operations_settings()
    assert [name in error.msg for error in errors] == [True]


def test_system_checks_accept_the_default_operations_settings():
    assert check_operations_settings() == []
