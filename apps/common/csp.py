"""Per-response additions to the Content-Security-Policy.

``form-action 'self'`` also governs where a submitted form may be *redirected* (CSP 3,
section 6.3.1), so a form whose answer redirects to a relying party (sign-in during an
authorization request, the consent page) must name that party's origin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.http import HttpResponse

# Functions mapping a same-site "next" URL to the origins a form may end up redirecting to.
_form_target_sources: list[Callable[[str], Iterable[str]]] = []


def form_target_source_register(source: Callable[[str], Iterable[str]]) -> None:
    if source not in _form_target_sources:
        _form_target_sources.append(source)


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def form_action_allow(response: HttpResponse, origins: Iterable[str]) -> HttpResponse:
    extra = sorted({origin for origin in origins if origin})
    if extra:
        update = getattr(response, "_csp_update", None) or {}
        update["form-action"] = [*update.get("form-action", []), *extra]
        response._csp_update = update
    return response


def form_action_allow_for_next(response: HttpResponse, next_url: str) -> HttpResponse:
    """Let the form on this page redirect wherever ``next_url`` will lead."""
    origins: list[str] = []
    for source in _form_target_sources:
        origins.extend(source(next_url))
    return form_action_allow(response, origins)


def frame_src_allow(response: HttpResponse, origins: Iterable[str]) -> HttpResponse:
    """Let this page frame documents from ``origins`` (CSP 3 ``frame-src``).

    Keyway's policy sets no ``frame-src``, so ``default-src 'self'`` applies; the update
    makes ``frame-src`` exactly these origins (front-channel logout iframes).
    """
    extra = sorted({origin for origin in origins if origin})
    if extra:
        update = getattr(response, "_csp_update", None) or {}
        update["frame-src"] = [*update.get("frame-src", []), *extra]
        response._csp_update = update
    return response
