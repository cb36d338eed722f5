"""Keyway's own checks on top of python3-saml, kept in the shared cache (Redis in
production, so every worker sees them):

- outstanding AuthnRequest ids: a response must answer a request this SP sent, once
  (SAML Profiles 4.1.4.3: InResponseTo; unsolicited responses are not accepted);
- seen assertion ids: an assertion is accepted once (Profiles 4.1.4.5, "the service
  provider MUST ensure that bearer assertions are not replayed"), remembered until it
  expires.

The SAML POST arrives cross-site, where a SameSite=Lax session cookie is not sent, so the
request store cannot live in the browser's session.
"""

from __future__ import annotations

from django.core.cache import cache

_REQUEST_PREFIX = "federation:saml:request"
_ASSERTION_PREFIX = "federation:saml:assertion"
# Upper bound on how long an assertion id is remembered, whatever its NotOnOrAfter says.
MAX_REPLAY_TTL = 24 * 3600


def outstanding_request_put(*, slug: str, request_id: str, next_url: str, ttl: int) -> None:
    cache.set(f"{_REQUEST_PREFIX}:{slug}:{request_id}", {"next": next_url}, ttl)


def outstanding_request_take(*, slug: str, request_id: str) -> dict | None:
    """The stored request, removed so that a second response to it finds nothing."""
    key = f"{_REQUEST_PREFIX}:{slug}:{request_id}"
    value = cache.get(key)
    if value is None or not cache.delete(key):
        return None  # unknown, expired, or taken by a concurrent response
    return value


def assertion_first_use(*, slug: str, assertion_id: str, ttl: int) -> bool:
    """True the first time this assertion id is seen (``add`` is atomic in Redis)."""
    ttl = max(1, min(ttl, MAX_REPLAY_TTL))
    return cache.add(f"{_ASSERTION_PREFIX}:{slug}:{assertion_id}", 1, ttl)
