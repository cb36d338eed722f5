"""The upstream OpenID provider's redirect back: GET /federation/oidc/<slug>/callback."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.redirects import next_url_safe
from apps.federation.errors import FederationRejected
from apps.federation.models import SourceKind
from apps.federation.selectors import source_get
from apps.federation.services import oidc_sign_in_complete
from apps.federation.views.rejection import rejected, unknown_source


@never_cache
@require_GET
def oidc_callback(request: HttpRequest, slug: str) -> HttpResponse:
    source = source_get(slug=slug, kind=SourceKind.OIDC)
    if source is None:
        return unknown_source(request)
    try:
        result = oidc_sign_in_complete(request=request, source=source)
    except FederationRejected as error:
        return rejected(request, source, error)
    fallback = resolve_url("accounts:home")
    return HttpResponseRedirect(
        next_url_safe(request=request, candidate=result.next_url, fallback=fallback)
    )
