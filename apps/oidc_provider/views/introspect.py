"""Token introspection: RFC 7662.

Only an authenticated confidential client may ask (section 2.1); it learns about its own
tokens, or any token if it is a registered resource server. Everything else is
``{"active": false}`` (section 2.2).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.oidc_provider.oauth import oauthlib_core
from apps.oidc_provider.views.responses import form_problem, oauth_json_response


@csrf_exempt  # Called by clients, authenticated by client credentials.
@require_POST
def introspect(request: HttpRequest) -> HttpResponse:
    problem = form_problem(request)
    if problem:
        return problem
    authenticates = "HTTP_AUTHORIZATION" in request.META or "client_secret" in request.POST
    if not authenticates:
        return oauth_json_response(
            {
                "error": "invalid_client",
                "error_description": "Introspection needs client authentication.",
            },
            status=401,
        )
    core = oauthlib_core()
    uri, http_method, body, headers = core._extract_params(request)
    headers, body, status = core.server.create_introspect_response(
        uri, http_method=http_method, body=body, headers=headers
    )
    return oauth_json_response(json.loads(body) if body else {}, status=status, headers=headers)
