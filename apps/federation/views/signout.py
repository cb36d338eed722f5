"""Sign out of Keyway and of the upstream IdP the person came through:
POST /federation/signout/ (CSRF-protected, like the local sign-out)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from apps.federation.services import federated_sign_out


@csrf_protect
@never_cache
@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    upstream_url = federated_sign_out(request=request)
    if upstream_url:
        return HttpResponseRedirect(upstream_url)
    return render(request, "accounts/signed_out.html")
