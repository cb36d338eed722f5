"""SAML Assertion Consumer Service, HTTP-POST binding: POST /federation/saml/<slug>/acs.

CSRF-exempt: the form is posted by the IdP's page, cross-site, and the SAML response is
itself the proof (signed, addressed here, answering a request this browser started).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.accounts.redirects import next_url_safe
from apps.federation.errors import FederationRejected
from apps.federation.models import SourceKind
from apps.federation.selectors import source_get
from apps.federation.services import saml_sign_in_complete
from apps.federation.views.rejection import rejected, unknown_source


@csrf_exempt
@never_cache
@require_POST
def saml_acs(request: HttpRequest, slug: str) -> HttpResponse:
    source = source_get(slug=slug, kind=SourceKind.SAML)
    if source is None:
        return unknown_source(request)
    try:
        result = saml_sign_in_complete(request=request, source=source)
    except FederationRejected as error:
        return rejected(request, source, error)
    fallback = resolve_url("accounts:home")
    return HttpResponseRedirect(
        next_url_safe(request=request, candidate=result.next_url, fallback=fallback)
    )
