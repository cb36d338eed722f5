"""Sign-out: a confirmation page (GET) and the sign-out itself (POST, CSRF-protected).

Signing out on GET would let any page sign the user out with an <img> tag.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from apps.accounts.selectors import session_auth_context
from apps.accounts.services import user_sign_out
from apps.accounts.signout_hooks import upstream_logout_url
from apps.oidc_provider.frontchannel import frontchannel_logout_page


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signout(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        context = session_auth_context(request=request)
        # Asked before the session ends: the upstream's logout names that session.
        upstream = upstream_logout_url(request=request, sid=context.sid) if context else ""
        user_sign_out(request=request)
        # Front-channel logout: the signed-out page tells the session's applications, then
        # continues to the upstream identity provider, if the person came through one.
        page = frontchannel_logout_page(
            request,
            sid=context.sid if context else None,
            continue_url=upstream or None,
            continue_name="your organisation's sign-in",
        )
        if page is not None:
            return page
        if upstream:
            return HttpResponseRedirect(upstream)
        return render(request, "accounts/signed_out.html")
    if not request.user.is_authenticated:
        return render(request, "accounts/signed_out.html")
    return render(request, "accounts/signout.html")
