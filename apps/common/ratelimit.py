"""Fixed-window rate limits kept in the shared cache, with the IETF RateLimit headers.

A rate is written ``"N/P"``: at most N requests per P seconds; ``"0"`` (or an empty
string) switches the limit off. Each check costs one cache round trip: on Redis an
``INCR`` and an ``EXPIRE … NX`` pipelined in one MULTI (atomic, no read-modify-write
race between workers); on the process-local cache an ``add``/``incr`` pair in memory.

Headers follow draft-ietf-httpapi-ratelimit-headers (the widely deployed separate-field
form): ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset`` (seconds until the
window ends), and RFC 9110 section 10.2.3 ``Retry-After`` on a 429.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.core.cache import cache

from apps.common.conf import keyway_settings

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int

    @classmethod
    def parse(cls, value: str) -> Rate | None:
        """``"N/P"`` → Rate(N, P); ``"0"`` or ``""`` → None (no limit). ValueError otherwise."""
        text = (value or "").strip()
        if text in ("", "0"):
            return None
        match = _RATE.match(text)
        if not match or int(match[1]) < 1 or int(match[2]) < 1:
            raise ValueError(f"{value!r} is not a rate: write N/seconds (e.g. 100/60) or 0")
        limit, period = int(match[1]), int(match[2])
        return cls(limit=limit, period=period)


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(self.remaining, 0)),
            "RateLimit-Reset": str(self.reset),
        }
        if self.exceeded:
            headers["Retry-After"] = str(self.reset)
        return headers


def _count(key: str, period: int) -> int:
    full_key = cache.make_and_validate_key(key)
    if hasattr(cache, "client") and hasattr(cache.client, "get_client"):  # django-redis
        pipe = cache.client.get_client(write=True).pipeline()
        pipe.incr(full_key)
        pipe.expire(full_key, period + 1, nx=True)
        count, _ = pipe.execute()
        return int(count)
    if cache.add(key, 1, timeout=period + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        return 1


def rate_limit_hit(*, scope: str, identifier: str, rate: Rate) -> RateLimitState:
    """Count one request of ``identifier`` under ``scope`` and say where it stands."""
    now = time.time()
    window = int(now // rate.period)
    digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    count = _count(f"ratelimit:{scope}:{digest}:{window}", rate.period)
    reset = max(1, math.ceil((window + 1) * rate.period - now))
    return RateLimitState(limit=rate.limit, remaining=rate.limit - count, reset=reset)


def rate_limits_hit(checks: list[tuple[str, str, Rate | None]]) -> RateLimitState | None:
    """Count every (scope, identifier, rate) and return the tightest state (an exceeded one
    first); None when every limit is off."""
    states = [
        rate_limit_hit(scope=scope, identifier=identifier, rate=rate)
        for scope, identifier, rate in checks
        if rate is not None
    ]
    if not states:
        return None
    return min(states, key=lambda s: (not s.exceeded, s.remaining, -s.reset))


@functools.lru_cache(maxsize=64)
def _parse_cached(value: str) -> Rate | None:
    return Rate.parse(value)


def configured_rate(name: str) -> Rate | None:
    """The rate in ``KEYWAY[name]`` (validated at start-up by the system checks)."""
    return _parse_cached(str(getattr(keyway_settings, name)))
