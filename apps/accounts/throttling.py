"""Sign-in throttling with exponential backoff, kept in the shared cache.

Two independent counters: one per account (keyed by the submitted email, whether or not
such an account exists, so a lockout reveals nothing) and one per client IP. After
``threshold`` failures inside ``window`` seconds each further failure locks the key for
``base_delay * 2 ** (failures - threshold)`` seconds, capped at ``max_delay``. A successful
sign-in clears the account counter but not the IP one, so one valid account cannot be
used to reset the budget for guessing others.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

from apps.common.conf import keyway_settings
from apps.common.ratelimit import RateLimitState


@dataclass(frozen=True)
class ThrottlePolicy:
    threshold: int
    base_delay: int
    max_delay: int
    window: int

    def delay_after(self, failures: int) -> int:
        if failures < self.threshold:
            return 0
        return min(self.base_delay * 2 ** min(failures - self.threshold, 32), self.max_delay)


@dataclass(frozen=True)
class Throttle:
    scope: str
    policy: ThrottlePolicy

    def _key(self, identifier: str) -> str:
        digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()
        return f"signin-throttle:{self.scope}:{digest}"

    def retry_after(self, identifier: str) -> int:
        """Seconds until ``identifier`` may try again; 0 when it may try now."""
        locked_until = cache.get(self._key(identifier) + ":lock")
        if locked_until is None:
            return 0
        return max(0, math.ceil(locked_until - time.time()))

    def failure(self, identifier: str) -> None:
        key = self._key(identifier)
        cache.add(key, 0, timeout=self.policy.window)
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.policy.window)
            failures = 1
        delay = self.policy.delay_after(failures)
        if delay:
            cache.set(key + ":lock", time.time() + delay, timeout=delay)

    def reset(self, identifier: str) -> None:
        key = self._key(identifier)
        cache.delete_many([key, key + ":lock"])


def retry_after(*checks: tuple[Throttle, str]) -> int:
    """The longest wait any of these (throttle, key) pairs imposes; 0 when none does."""
    return max((throttle.retry_after(key) for throttle, key in checks), default=0)


def throttled_state(*checks: tuple[Throttle, str]) -> RateLimitState | None:
    """The lock that holds longest among these pairs as RateLimit header values (its
    failure threshold as the limit, nothing remaining, reset when the lock ends); None
    when no key is locked."""
    waits = [(throttle.retry_after(key), throttle) for throttle, key in checks]
    wait, throttle = max(waits, key=lambda pair: pair[0], default=(0, None))
    if not wait or throttle is None:
        return None
    return RateLimitState(limit=throttle.policy.threshold, remaining=-1, reset=wait)


def account_throttle() -> Throttle:
    return Throttle("account", ThrottlePolicy(**keyway_settings.SIGNIN_THROTTLE_ACCOUNT))


def ip_throttle() -> Throttle:
    return Throttle("ip", ThrottlePolicy(**keyway_settings.SIGNIN_THROTTLE_IP))
