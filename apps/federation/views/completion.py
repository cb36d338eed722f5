"""What the two sign-in completion endpoints (SAML ACS, OIDC callback) share: find the
source, let the service check the upstream's answer, then go where the sign-in began."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url

from apps.accounts.redirects import next_url_safe
from apps.federation.errors import FederationRejected
from apps.federation.models import Source, SourceKind
from apps.federation.selectors import source_get
from apps.federation.services import SignInResult
from apps.federation.views.rejection import rejected, unknown_source


def sign_in_complete(
    request: HttpRequest,
    *,
    slug: str,
    kind: SourceKind,
    complete: Callable[..., SignInResult],
) -> HttpResponse:
    source: Source | None = source_get(slug=slug, kind=kind)
    if source is None:
        return unknown_source(request)
    try:
        result = complete(request=request, source=source)
    except FederationRejected as error:
        return rejected(request, source, error)
    fallback = resolve_url("accounts:home")
    return HttpResponseRedirect(
        next_url_safe(request=request, candidate=result.next_url, fallback=fallback)
    )
