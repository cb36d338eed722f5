"""Session lifetime rules: idle timeout with sliding renewal, and an absolute lifetime.

Plain functions over timestamps so that the rules read like the policy they implement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apps.common.conf import keyway_settings


@dataclass(frozen=True)
class Lifetime:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def default(cls) -> Lifetime:
        return cls(
            idle=timedelta(seconds=keyway_settings.SESSION_IDLE_TIMEOUT),
            absolute=timedelta(seconds=keyway_settings.SESSION_ABSOLUTE_LIFETIME),
        )


def expiry_for(
    *, created_at: datetime, last_activity_at: datetime, lifetime: Lifetime
) -> tuple[datetime, datetime]:
    """(idle expiry, absolute expiry). Sliding renewal never passes the absolute limit."""
    absolute = created_at + lifetime.absolute
    return min(last_activity_at + lifetime.idle, absolute), absolute


def expired_reason(
    *, now: datetime, idle_expires_at: datetime, absolute_expires_at: datetime
) -> str | None:
    if now >= absolute_expires_at:
        return "absolute_timeout"
    if now >= idle_expires_at:
        return "idle_timeout"
    return None


def exceeds_client_limits(
    *,
    now: datetime,
    auth_time: datetime,
    last_activity_at: datetime,
    max_age: int | None,
    idle_timeout: int | None,
) -> bool:
    """A client may demand a fresher sign-in than the global policy (per-client override)."""
    if max_age is not None and (now - auth_time).total_seconds() > max_age:
        return True
    return idle_timeout is not None and (now - last_activity_at).total_seconds() > idle_timeout


def acr_rank(acr: str) -> int:
    """Position of ``acr`` in KEYWAY["ACR_LEVELS"] (weakest first); unknown values rank
    below everything, so they never satisfy a requirement."""
    levels = keyway_settings.ACR_LEVELS
    return levels.index(acr) if acr in levels else -1


def acr_satisfies(*, session_acr: str, required_acr: str) -> bool:
    return not required_acr or acr_rank(session_acr) >= acr_rank(required_acr) >= 0
