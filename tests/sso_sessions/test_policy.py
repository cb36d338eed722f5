"""Session policy rules: idle and absolute expiry, per-client limits, acr ordering."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from apps.sso_sessions.policy import (
    Lifetime,
    acr_satisfies,
    exceeds_client_limits,
    expired_reason,
    expiry_for,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LIFE = Lifetime(idle=timedelta(hours=1), absolute=timedelta(hours=8))


def test_idle_expiry_slides_with_activity_up_to_the_absolute_limit():
    assert expiry_for(created_at=T0, last_activity_at=T0, lifetime=LIFE) == (
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=8),
    )
    late = T0 + timedelta(hours=7, minutes=30)
    assert expiry_for(created_at=T0, last_activity_at=late, lifetime=LIFE)[0] == T0 + timedelta(
        hours=8
    )


def test_absolute_timeout_wins_over_idle():
    assert expired_reason(now=T0, idle_expires_at=T0, absolute_expires_at=T0) == "absolute_timeout"
    assert (
        expired_reason(now=T0, idle_expires_at=T0, absolute_expires_at=T0 + timedelta(1))
        == "idle_timeout"
    )
    assert (
        expired_reason(
            now=T0, idle_expires_at=T0 + timedelta(1), absolute_expires_at=T0 + timedelta(2)
        )
        is None
    )


def test_client_limits_apply_only_when_set():
    old = T0 - timedelta(minutes=10)
    assert not exceeds_client_limits(
        now=T0, auth_time=old, last_activity_at=old, max_age=None, idle_timeout=None
    )
    assert exceeds_client_limits(
        now=T0, auth_time=old, last_activity_at=T0, max_age=300, idle_timeout=None
    )
    assert exceeds_client_limits(
        now=T0, auth_time=T0, last_activity_at=old, max_age=None, idle_timeout=300
    )


@override_settings(KEYWAY={"ACR_LEVELS": ["low", "mid", "high"]})
@pytest.mark.parametrize(
    ("session", "required", "ok"),
    [
        ("mid", "", True),
        ("mid", "low", True),
        ("mid", "mid", True),
        ("mid", "high", False),
        ("unknown", "low", False),
        ("high", "unknown", False),
    ],
)
def test_acr_levels_are_ordered_and_unknown_values_never_satisfy(session, required, ok):
    assert acr_satisfies(session_acr=session, required_acr=required) is ok
