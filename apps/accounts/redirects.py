"""Where a hosted page may send the browser next: this host only, never elsewhere."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_url_safe(*, request: HttpRequest, candidate: str | None, fallback: str) -> str:
    """Return ``candidate`` if it stays on this host (and scheme, over HTTPS), else ``fallback``.

    Django's check rejects scheme-relative ``//evil``, backslash tricks (``/\\evil``),
    control characters and other schemes (``javascript:``). A later issue extends the
    allowed set with registered client redirect URIs; until then only this host is safe.
    """
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback
