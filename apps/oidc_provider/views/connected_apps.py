""" "Connected apps": the applications a person has let in, and a way to let one go.

Removing an app forgets the consent and revokes every token it holds for the person
(OIDC Core 3.1.2.4 leaves revocation to the provider; RFC 7009 section 2.1 describes what
revoking means for the tokens).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider.settings import oauth2_settings

from apps.oidc_provider import selectors, services


@never_cache
@login_required
@require_GET
def connected_apps(request: HttpRequest) -> HttpResponse:
    descriptions = oauth2_settings.SCOPES
    apps = [
        {"app": app, "scopes": [descriptions.get(s, s) for s in app.scopes]}
        for app in selectors.connected_apps(user=request.user)
    ]
    return render(request, "oidc_provider/connected_apps.html", {"apps": apps})


@never_cache
@login_required
@require_POST
def connected_app_remove(request: HttpRequest) -> HttpResponse:
    client = selectors.client_by_id(client_id=request.POST.get("client_id", "")[:255])
    if client is None:
        messages.error(request, "That application is not connected to your account.")
    else:
        services.client_access_revoke(user=request.user, client=client)
        messages.success(request, f"{client.name or client.client_id} no longer has access.")
    return HttpResponseRedirect(reverse("oidc:connected-apps"))
