"""SingleSignOnService (HTTP-Redirect and HTTP-POST), its continuation after sign-in, and
IdP-initiated sign-on."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.selectors import session_auth_context
from apps.saml_idp import sso
from apps.saml_idp.inbound import inbound_message
from apps.saml_idp.processors.xml import SamlError
from apps.saml_idp.views.responses import post_page, saml_error_page


def _continue(pending: sso.PendingSso) -> HttpResponse:
    return HttpResponseRedirect(
        f"{reverse('saml_idp:sso-continue')}?{urlencode({'r': pending.key})}"
    )


@csrf_exempt  # SPs POST AuthnRequests from their own origin (Bindings 3.5)
@never_cache
@require_http_methods(["GET", "POST"])
def single_sign_on(request: HttpRequest) -> HttpResponse:
    try:
        inbound = inbound_message(request)
        if inbound.kind != "SAMLRequest":
            raise SamlError("SAMLRequest is missing")
        pending = sso.authn_request_receive(
            request, xml=inbound.xml, redirect=inbound.redirect, relay_state=inbound.relay_state
        )
    except SamlError as error:
        return saml_error_page(request, str(error))
    return _continue(pending)


@never_cache
@require_GET
def sso_continue(request: HttpRequest) -> HttpResponse:
    pending = sso.pending_get(request, request.GET.get("r", ""))
    if pending is None:
        return saml_error_page(request, "This sign-in request has expired or was already answered.")
    try:
        step = sso.sso_continue(
            request, pending=pending, context=session_auth_context(request=request)
        )
    except SamlError as error:
        return saml_error_page(request, str(error))
    if step.signin:
        here = f"{reverse('saml_idp:sso-continue')}?{urlencode({'r': pending.key})}"
        return HttpResponseRedirect(f"{reverse('accounts:signin')}?{urlencode({'next': here})}")
    return post_page(request, step.message)


@never_cache
@require_GET
def idp_initiated(request: HttpRequest) -> HttpResponse:
    try:
        pending = sso.idp_initiated_start(
            request, entity_id=request.GET.get("sp", ""), relay_state=request.GET.get("RelayState")
        )
    except SamlError as error:
        return saml_error_page(request, str(error))
    return _continue(pending)
