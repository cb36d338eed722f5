import time

import pytest
from django.test import override_settings

from apps.accounts.throttling import Throttle, ThrottlePolicy
from apps.audit.models import Event
from tests.conftest import PASSWORD
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

FAST = {
    "TRUSTED_PROXY_COUNT": 1,
    "SIGNIN_THROTTLE_ACCOUNT": {"threshold": 3, "base_delay": 30, "max_delay": 120, "window": 600},
    "SIGNIN_THROTTLE_IP": {"threshold": 6, "base_delay": 60, "max_delay": 600, "window": 600},
}


def _from(ip):
    return {"HTTP_X_FORWARDED_FOR": ip}


def test_backoff_doubles_per_failure_past_the_threshold_and_is_capped():
    policy = ThrottlePolicy(threshold=3, base_delay=30, max_delay=120, window=600)
    assert [policy.delay_after(n) for n in range(1, 8)] == [0, 0, 30, 60, 120, 120, 120]
    assert policy.delay_after(10_000) == 120


@override_settings(KEYWAY=FAST)
def test_account_is_locked_after_threshold_failures_with_retry_after(client, user):
    for i in range(3):
        assert (
            sign_in(client, "alice@example.com", "wrong", **_from(f"10.0.0.{i}")).status_code == 200
        )
    locked = sign_in(client, "alice@example.com", PASSWORD, **_from("10.0.0.9"))
    assert locked.status_code == 429
    retry_after = int(locked["Retry-After"])
    assert 25 <= retry_after <= 30
    assert (
        f"Too many sign-in attempts. Try again in {retry_after} seconds.".encode() in locked.content
    )
    assert "_auth_user_id" not in client.session


@override_settings(KEYWAY=FAST)
def test_unknown_email_is_throttled_exactly_like_a_real_one(client, user):
    for _ in range(3):
        sign_in(client, "ghost@example.com", "wrong", **_from("10.0.1.1"))
        sign_in(client, "alice@example.com", "wrong", **_from("10.0.1.2"))
    ghost = sign_in(client, "ghost@example.com", "wrong", **_from("10.0.1.3"))
    real = sign_in(client, "alice@example.com", "wrong", **_from("10.0.1.4"))
    assert ghost.status_code == real.status_code == 429
    assert ghost["Retry-After"] == real["Retry-After"]


@override_settings(KEYWAY=FAST)
def test_account_lock_ignores_email_case(client, user):
    for variant in ("alice@example.com", "ALICE@example.com", "Alice@Example.com"):
        sign_in(client, variant, "wrong")
    assert sign_in(client, "alice@EXAMPLE.com", PASSWORD).status_code == 429


@override_settings(KEYWAY=FAST)
def test_one_ip_is_locked_after_spraying_many_accounts(client, make_user):
    for i in range(6):
        sign_in(client, f"user{i}@example.com", "wrong", **_from("192.0.2.7"))
    make_user(email="fresh@example.com")
    blocked = sign_in(client, "fresh@example.com", PASSWORD, **_from("192.0.2.7"))
    assert blocked.status_code == 429
    elsewhere = sign_in(client, "fresh@example.com", PASSWORD, **_from("192.0.2.8"))
    assert elsewhere.status_code == 302


@override_settings(KEYWAY=FAST)
def test_success_clears_the_account_counter(client, user):
    for _ in range(2):
        sign_in(client, "alice@example.com", "wrong")
    assert sign_in(client, "alice@example.com", PASSWORD).status_code == 302
    client.post("/signout/")
    for _ in range(2):
        assert sign_in(client, "alice@example.com", "wrong").status_code == 200
    assert sign_in(client, "alice@example.com", PASSWORD).status_code == 302


@override_settings(KEYWAY=FAST)
def test_locked_attempts_do_not_check_the_password_and_are_audited(client, user):
    for _ in range(3):
        sign_in(client, "alice@example.com", "wrong")
    before = Event.objects.filter(outcome="failure").count()
    sign_in(client, "alice@example.com", "wrong")
    assert Event.objects.filter(outcome="failure").count() == before
    denied = Event.objects.get(outcome="denied")
    assert denied.data["reason"] == "throttled"


@override_settings(KEYWAY={**FAST, "TRUSTED_PROXY_COUNT": 0})
def test_forged_forwarded_for_does_not_escape_the_ip_throttle_without_trusted_proxies(
    client, make_user
):
    for i in range(6):
        sign_in(client, f"user{i}@example.com", "wrong", **_from(f"203.0.113.{i}"))
    make_user(email="fresh@example.com")
    assert (
        sign_in(client, "fresh@example.com", PASSWORD, **_from("198.51.100.1")).status_code == 429
    )


def test_lock_expires_after_the_delay(db):
    throttle = Throttle(
        "expiry-test", ThrottlePolicy(threshold=1, base_delay=1, max_delay=1, window=60)
    )
    throttle.failure("someone")
    assert throttle.retry_after("someone") == 1
    time.sleep(1.1)
    assert throttle.retry_after("someone") == 0
