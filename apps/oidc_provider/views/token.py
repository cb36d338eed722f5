"""The token endpoint: RFC 6749 section 3.2, 4.1.3, 4.4, 6; OIDC Core 3.1.3.

oauthlib runs the grant; this view adds what the specs require around it: one value per
parameter, form encoding only, ``Cache-Control: no-store`` on every answer (section 5.1),
``WWW-Authenticate`` on 401 (section 5.2), and one database transaction so that a request
that fails half-way (a code redeemed twice at once) leaves nothing behind.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.http import client_ip
from apps.common.metrics import token_issued_count
from apps.common.ratelimit import RateLimitState, configured_rate, rate_limits_hit
from apps.oidc_provider.oauth import oauthlib_core
from apps.oidc_provider.protocol.client_id import token_request_client_id
from apps.oidc_provider.views.responses import form_problem, invalid_request, oauth_json_response


@csrf_exempt  # Called by clients, not browsers; authenticated by client credentials.
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    if request.content_type != "application/x-www-form-urlencoded":
        return invalid_request("Use application/x-www-form-urlencoded (RFC 6749 3.2).")
    problem = form_problem(request)
    if problem:
        return problem
    if not request.POST.get("grant_type"):
        return invalid_request("The grant_type parameter is missing.")
    limit = _rate_limit(request)
    if limit is not None and limit.exceeded:
        refused = oauth_json_response(
            {
                "error": "temporarily_unavailable",
                "error_description": f"Too many token requests: retry in {limit.reset} seconds.",
            },
            status=429,
        )
        return _with_limit_headers(refused, limit)
    # The grant and its audit event commit together: one commit (one WAL flush) per
    # request rather than two, and never a token without its record.
    with transaction.atomic():
        _uri, headers, body, status = oauthlib_core().create_token_response(request)
        data = json.loads(body) if body else {}
        grant_type = request.POST.get("grant_type", "")
        if status == 200:
            token_issued_count(grant_type=grant_type)
            event_record(
                type="oidc.token_issued",
                outcome=Outcome.SUCCESS,
                request=request,
                data={"grant_type": grant_type, "scope": data.get("scope", "")},
            )
        else:
            event_record(
                type="oidc.token_refused",
                outcome=Outcome.FAILURE,
                request=request,
                data={"grant_type": grant_type[:64], "error": data.get("error", "")},
            )
    return _with_limit_headers(oauth_json_response(data, status=status, headers=headers), limit)


def _with_limit_headers(response: HttpResponse, limit: RateLimitState | None) -> HttpResponse:
    for name, value in (limit.headers() if limit is not None else {}).items():
        response[name] = value
    return response


def _rate_limit(request: HttpRequest) -> RateLimitState | None:
    """Per client (as claimed: counted before authentication, so a flood of bad secrets
    is limited too) and per client IP; KEYWAY TOKEN_RATE_LIMIT_CLIENT / _IP."""
    client_id = token_request_client_id(
        authorization=request.META.get("HTTP_AUTHORIZATION", ""),
        form_client_id=request.POST.get("client_id", ""),
    )
    checks = [("token-ip", client_ip(request), configured_rate("TOKEN_RATE_LIMIT_IP"))]
    if client_id:
        checks.append(("token-client", client_id, configured_rate("TOKEN_RATE_LIMIT_CLIENT")))
    return rate_limits_hit(checks)
