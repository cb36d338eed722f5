"""Start a sign-in at an upstream IdP: GET /federation/<slug>/start?next=..."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.redirects import next_url_safe
from apps.federation.errors import FederationRejected
from apps.federation.models import SourceKind
from apps.federation.selectors import source_get
from apps.federation.services import oidc_sign_in_start, saml_sign_in_start
from apps.federation.views.rejection import rejected, unknown_source


@never_cache
@require_GET
def start(request: HttpRequest, slug: str) -> HttpResponse:
    source = source_get(slug=slug)
    if source is None:
        return unknown_source(request)
    next_url = next_url_safe(
        request=request, candidate=request.GET.get("next"), fallback=resolve_url("accounts:home")
    )
    begin = saml_sign_in_start if source.kind == SourceKind.SAML else oidc_sign_in_start
    try:
        return HttpResponseRedirect(begin(request=request, source=source, next_url=next_url))
    except FederationRejected as error:
        return rejected(request, source, error)
