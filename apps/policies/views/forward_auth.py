"""Forward-auth for gateways in place of SiteMinder Web Agents (nginx ``auth_request``,
Traefik ForwardAuth; conventions in ``apps.policies.forward_auth``).

200 with the response headers (``SM_USER``, the imported ``HTTP_*`` header variables),
401 to send the person to sign in (with a ``Location`` for browsers), 403 when denied.
The caller is the session cookie's person, or an OAuth bearer token's.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from apps.accounts.authn import ACR_PASSWORD
from apps.accounts.selectors import session_auth_context
from apps.common.http import client_ip_address
from apps.oidc_provider.oauth import issuer, oauthlib_core
from apps.policies import selectors, services
from apps.policies.forward_auth import (
    BadForwardedRequest,
    header_safe,
    looks_like_browser,
    original_request,
)
from apps.sso_sessions.selectors import session_state


def _caller(request: HttpRequest) -> tuple[object | None, str | None, int | None, float | None]:
    """(user, acr, auth_time, last activity) from a bearer token or the session."""
    if request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
        valid, oauth_request = oauthlib_core().verify_request(request, scopes=[])
        user = oauth_request.user if valid else None
        if user is None or not user.is_active:
            return None, None, None, None
        # A token says nothing about the sign-in's strength or age: count it as
        # Keyway's weakest sign-in, and let the token's own lifetime bound it.
        return user, ACR_PASSWORD, None, None
    context = session_auth_context(request=request)
    if context is None:
        return None, None, None, None
    state = session_state(sid=context.sid)
    activity = state.persisted_activity_at if state else None
    return request.user, context.acr, context.auth_time, activity


def _signin_location(original_url: str) -> str:
    back = f"{reverse('policies:return')}?{urlencode({'url': original_url})}"
    return f"{issuer()}{reverse('accounts:signin')}?{urlencode({'next': back})}"


@csrf_exempt  # called by gateways, not by forms
@never_cache
def forward_auth(request: HttpRequest) -> HttpResponse:
    try:
        original = original_request(request.headers, fallback_method=request.method or "")
    except BadForwardedRequest as error:
        response = HttpResponse(f"Bad forward-auth request: {error}\n", status=400)
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
    user, acr, auth_time, activity = _caller(request)
    ip = client_ip_address(request)
    decision = selectors.resource_access_decide(
        user=user, host=original.host, path=original.path, method=original.method, ip=ip
    )
    check = selectors.access_check(
        decision=decision,
        signed_in=user is not None,
        session_acr=acr,
        auth_time=auth_time,
        last_activity=activity,
        now=time.time(),
    )
    services.access_decision_record(
        request=request,
        user=user,
        allowed=check.status != 403,
        target={"host": original.host, "path": original.path, "method": original.method},
        reasons=[check.reason] if check.status == 403 else (),
    )
    response = HttpResponse(status=check.status)
    response["X-Keyway-Decision"] = "allow" if check.status == 200 else "deny"
    if check.status == 200:
        headers = dict(decision.headers)
        if user is not None and decision.protected:
            headers.setdefault("SM_USER", user.email)
            headers.setdefault("X-Forwarded-User", user.email)
        for name, value in headers.items():
            safe = header_safe(name, value)
            if safe:
                response[safe[0]] = safe[1]
    elif check.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="keyway"'
        if looks_like_browser(request.headers.get("Accept", "")):
            response["Location"] = _signin_location(original.url)
    return response
