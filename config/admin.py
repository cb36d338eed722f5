"""Keyway's one admin site.

Its sign-in goes through Keyway's hosted sign-in page, so the admin shares the same
throttling, audit events and session handling instead of being a second, weaker door.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


class KeywayAdminSite(admin.AdminSite):
    site_header = "Keyway administration"
    site_title = "Keyway admin"
    index_title = "Identity, clients and sessions"

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('accounts:signin')}?{urlencode({'next': next_url})}")

    def logout(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("accounts:signout"))
