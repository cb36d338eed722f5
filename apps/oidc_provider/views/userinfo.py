"""The UserInfo endpoint: OIDC Core section 5.3, bearer tokens per RFC 6750.

GET and POST; the access token comes in the Authorization header (or, for POST, the
form body: RFC 6750 section 2.2). Errors are RFC 6750 section 3 challenges.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.oidc_provider import selectors
from apps.oidc_provider.oauth import oauthlib_core
from apps.oidc_provider.obligations import claims_add, policy_claims
from apps.oidc_provider.protocol.claims import claims_for_scopes


def _challenge(error: str, description: str, status: int) -> HttpResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["WWW-Authenticate"] = (
        f'Bearer realm="keyway", error="{error}", error_description="{description}"'
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # Bearer-authenticated API, not a browser form.
@require_http_methods(["GET", "POST"])
def userinfo(request: HttpRequest) -> HttpResponse:
    has_token = request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer ") or (
        request.method == "POST" and "access_token" in request.POST
    )
    if not has_token:
        # RFC 6750 section 3.1: no error code when the request had no credentials at all.
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="keyway"'
        return response
    valid, oauth_request = oauthlib_core().verify_request(request, scopes=[])
    if not valid or oauth_request.user is None:
        return _challenge("invalid_token", "The access token is not valid.", 401)
    if "openid" not in oauth_request.scopes:
        return _challenge("insufficient_scope", "The access token lacks the openid scope.", 403)
    user = oauth_request.user
    if not user.is_active:
        return _challenge("invalid_token", "The access token is not valid.", 401)
    scopes = oauth_request.scopes
    claims = claims_for_scopes(selectors.user_claims(user=user, scopes=scopes), scopes)
    claims_add(claims, policy_claims(user=user, client_id=oauth_request.client.client_id))
    response = JsonResponse(claims)
    response["Cache-Control"] = "no-store"
    return response
