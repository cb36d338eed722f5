"""JSON responses in the shape RFC 6749 section 5 prescribes."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest, JsonResponse

from apps.oidc_provider.protocol.parameters import parameters_problem

_KEEP_HEADERS = {"www-authenticate", "access-control-allow-origin"}


def oauth_json_response(
    data: Mapping, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> JsonResponse:
    """A token-endpoint style JSON answer: never cached (section 5.1), and a 401 always
    names how to authenticate (section 5.2)."""
    response = JsonResponse(dict(data), status=status)
    for name, value in (headers or {}).items():
        if name.lower() in _KEEP_HEADERS:
            response[name] = value
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    if status == 401:
        # oauthlib answers a client-authentication failure with a Bearer challenge; the
        # client authenticates with HTTP Basic here (RFC 6749 2.3.1, 5.2).
        response["WWW-Authenticate"] = 'Basic realm="keyway", error="invalid_client"'
    return response


def invalid_request(description: str) -> JsonResponse:
    return oauth_json_response(
        {"error": "invalid_request", "error_description": description}, status=400
    )


def form_problem(request: HttpRequest) -> JsonResponse | None:
    """An invalid_request answer for repeated or oversized form parameters, else None."""
    items = [(k, v) for k, values in request.POST.lists() for v in values]
    problem = parameters_problem(items)
    return invalid_request(problem) if problem else None
