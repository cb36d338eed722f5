"""SingleLogoutService (HTTP-Redirect and HTTP-POST)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.saml_idp import slo
from apps.saml_idp.inbound import inbound_message
from apps.saml_idp.processors.xml import STATUS_SUCCESS, SamlError
from apps.saml_idp.views.responses import post_page, saml_error_page


@csrf_exempt  # SPs POST logout messages from their own origin (Bindings 3.5)
@never_cache
@require_http_methods(["GET", "POST"])
def single_logout(request: HttpRequest) -> HttpResponse:
    try:
        inbound = inbound_message(request)
        if inbound.kind == "SAMLResponse":
            status = slo.logout_response_receive(request, inbound=inbound)
            message = (
                "The application confirmed the sign-out."
                if status == STATUS_SUCCESS
                else "The application could not sign you out."
            )
            return render(request, "saml_idp/signed_out.html", {"message": message})
        reply = slo.logout_request_receive(request, inbound=inbound)
    except SamlError as error:
        return saml_error_page(request, str(error))
    if reply.redirect_url:
        return HttpResponseRedirect(reply.redirect_url)
    if reply.post:
        return post_page(request, reply.post)
    return render(
        request, "saml_idp/signed_out.html", {"message": "You are signed out of every application."}
    )
