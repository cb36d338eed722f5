"""SAML Single Logout at the SP, HTTP-Redirect binding: GET /federation/saml/<slug>/slo.

A LogoutRequest from the upstream IdP ends the Keyway sessions it names and every relying
party is told; a LogoutResponse (to Keyway's own request at sign-out) ends at the
signed-out page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.federation.errors import FederationRejected
from apps.federation.models import SourceKind
from apps.federation.selectors import source_get
from apps.federation.services import saml_logout_inbound, saml_logout_response_accept
from apps.federation.views.rejection import rejected, unknown_source


@never_cache
@require_GET
def saml_slo(request: HttpRequest, slug: str) -> HttpResponse:
    source = source_get(slug=slug, kind=SourceKind.SAML)
    if source is None:
        return unknown_source(request)
    try:
        if "SAMLResponse" in request.GET:
            saml_logout_response_accept(request=request, source=source)
            return render(request, "accounts/signed_out.html")
        if "SAMLRequest" not in request.GET:
            raise FederationRejected("logout_request_missing")
        return HttpResponseRedirect(saml_logout_inbound(request=request, source=source))
    except FederationRejected as error:
        return rejected(request, source, error)
