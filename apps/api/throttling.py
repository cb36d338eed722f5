"""The API's rate limit per access token (or admin session), in the shared cache (Redis
in production), announced with the RateLimit header fields of
draft-ietf-httpapi-ratelimit-headers (``RateLimit-Limit``, ``-Remaining``, ``-Reset``)
on every answer, and ``Retry-After`` (RFC 9110 section 10.2.3) on a 429."""

from __future__ import annotations

import hashlib
import math

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from apps.api.authentication import ApiClient
from apps.common.conf import keyway_settings


class TokenRateThrottle(SimpleRateThrottle):
    """A sliding window of ``API_RATE_LIMIT`` requests (e.g. ``600/minute``)."""

    scope = "api"
    cache_format = "api:rate:%(ident)s"

    def get_rate(self) -> str:
        return keyway_settings.API_RATE_LIMIT

    def get_cache_key(self, request: Request, view: object) -> str | None:
        if request.user is None:
            return None
        if isinstance(request.user, ApiClient):
            header = request.META.get("HTTP_AUTHORIZATION", "")
            ident = "token:" + hashlib.sha256(header.encode()).hexdigest()
        else:
            ident = f"user:{request.user.pk}"
        return self.cache_format % {"ident": ident}

    def allow_request(self, request: Request, view: object) -> bool:
        allowed = super().allow_request(request, view)
        if self.key is not None:
            remaining = max(self.num_requests - len(self.history), 0)
            oldest = self.history[-1] if self.history else self.now
            reset = max(math.ceil(self.duration - (self.now - oldest)), 0)
            request.ratelimit = (self.num_requests, remaining, reset, self.duration)
        return allowed


def ratelimit_headers(request: Request) -> dict[str, str]:
    state = getattr(request, "ratelimit", None)
    if state is None:
        return {}
    limit, remaining, reset, window = state
    return {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(reset),
        "RateLimit-Policy": f"{limit};w={window}",
    }
