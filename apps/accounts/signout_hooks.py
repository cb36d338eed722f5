"""Where else signing out must go: an upstream identity provider the person came through.

The accounts app knows nothing of federation; ``apps.federation`` registers a hook here
(in its AppConfig.ready) that answers the upstream's logout URL for a sign-on session, so
the hosted sign-out page can send the browser there once Keyway's own sign-out is done.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

# (request, sid) -> the URL that ends the upstream session too, or "".
UpstreamLogout = Callable[[HttpRequest, str], str]

_hooks: list[UpstreamLogout] = []


def upstream_logout_register(hook: UpstreamLogout) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def upstream_logout_url(*, request: HttpRequest, sid: str) -> str:
    """The first upstream logout URL a hook answers; call before the session ends."""
    for hook in _hooks:
        url = hook(request, sid)
        if url:
            return url
    return ""
