"""Token revocation: RFC 7009.

The client authenticates as at the token endpoint; revoking an unknown token, or one
issued to another client, still answers 200 (section 2.2) so nothing is revealed.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.oidc_provider.oauth import oauthlib_core
from apps.oidc_provider.views.responses import form_problem, oauth_json_response


@csrf_exempt  # Called by clients, authenticated by client credentials.
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    problem = form_problem(request)
    if problem:
        return problem
    _uri, headers, body, status = oauthlib_core().create_revocation_response(request)
    data = json.loads(body) if body else {}
    event_record(
        type="oidc.token_revoked",
        outcome=Outcome.SUCCESS if status == 200 else Outcome.FAILURE,
        request=request,
        data={"error": data.get("error", "")} if data else {},
    )
    return oauth_json_response(data, status=status, headers=headers)
