"""Global Token Revocation: draft-parecki-oauth-global-token-revocation-05.

A trusted external party (a security incident tool, an upstream identity provider) asks
Keyway to revoke every token of one person and make them sign in again (section 1).

- **Request** (section 3.2): ``POST`` with an ``application/json`` body holding one
  member, ``sub_id``: a Subject Identifier of RFC 9493. Keyway accepts the ``email``
  format (RFC 9493 section 3.2.2) and the ``iss_sub`` format (section 3.2.3) with Keyway's
  own issuer and the person's public ``sub``.
- **Authentication** (sections 3.2 and 6.1 leave the method to the server): an OAuth 2.0
  Bearer token (RFC 6750) that the caller obtained for itself with the client_credentials
  grant, carrying the single-purpose ``global_token_revocation`` scope, issued to a client
  listed in ``KEYWAY["GLOBAL_TOKEN_REVOCATION_CLIENTS"]``.
- **Effect** (section 3.3): universal logout. Every refresh token is revoked
  (``offline_access`` included), every access token too (section 4: Keyway's access
  tokens are reference tokens, so it can), every sign-on session ends so the person must
  sign in again before new tokens are issued, and every application is told by
  back-channel logout.
- **Answers** (section 3.4, by status code; the draft defines no body, Keyway sends an
  RFC 6749-style JSON error so that operators can tell the cases apart):
  204 revocation done; 400 malformed request or unsupported identifier format;
  401 no or invalid authentication; 403 authenticated but not allowed; 404 "User Not
  Found"; 422 "Unable to Process Request" when the logout itself fails.

Section 6.2 (enumeration of user accounts) accepts that the 404 tells an *authorized*
caller whether a person exists; Keyway tells nobody else: authentication and
authorization are settled before the body is even read, and every unknown identifier,
whatever its format or why it matched nobody, gets the very same 404.

Every call is audited (``oidc.global_token_revocation``) with its outcome and the caller's
client_id.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.oidc_provider import selectors
from apps.oidc_provider.oauth import oauthlib_core
from apps.oidc_provider.protocol.global_token_revocation import (
    MAX_BODY_BYTES,
    MalformedRequest,
    SubjectIdentifier,
    parse_revocation_request,
)
from apps.sso_sessions.models import EndReason
from apps.sso_sessions.services import user_universal_logout

log = logging.getLogger(__name__)

SCOPE = "global_token_revocation"
EVENT = "oidc.global_token_revocation"


# --- Answers --------------------------------------------------------------------------------


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _error(status: int, error: str, description: str, *, challenge: str = "") -> HttpResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    if challenge:
        response["WWW-Authenticate"] = challenge
    return _no_store(response)


def _audit(
    request: HttpRequest,
    *,
    outcome: Outcome,
    result: str,
    client_id: str | None = None,
    user: Any | None = None,
    subject: SubjectIdentifier | None = None,
    **extra: Any,
) -> None:
    event_record(
        type=EVENT,
        outcome=outcome,
        request=request,
        actor_subject=user.subject if user is not None else None,
        actor_email=user.email if user is not None else "",
        data={
            "client_id": client_id,
            "result": result,
            **(subject.audit_data() if subject is not None else {}),
            **extra,
        },
    )


def _bearer_token_present(request: HttpRequest) -> bool:
    # RFC 6750 section 2.1 only: the body is JSON, never a form (section 2.2), and tokens
    # in the query (section 2.3) are not accepted (RFC 9700 section 4.3.2).
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def _verify_bearer(request: HttpRequest) -> tuple[bool, Any]:
    """oauthlib's resource check over the headers alone: the body is never parsed as a
    form, so authentication answers the same whatever the body holds."""
    core = oauthlib_core()
    return core.server.verify_request(
        core._get_escaped_full_path(request),
        http_method=request.method,
        body=None,
        headers=core.extract_headers(request),
        scopes=[],
    )


def _trusted(client_id: str | None) -> bool:
    """Exact membership in ``KEYWAY["GLOBAL_TOKEN_REVOCATION_CLIENTS"]``. A plain string there
    (a misconfiguration) trusts nobody: ``in`` would otherwise match any substring of it."""
    trusted = keyway_settings.GLOBAL_TOKEN_REVOCATION_CLIENTS
    if isinstance(trusted, str):
        log.warning('KEYWAY["GLOBAL_TOKEN_REVOCATION_CLIENTS"] must be a list of client_ids.')
        return False
    return client_id is not None and client_id in tuple(trusted)


def _read_body(request: HttpRequest) -> bytes:
    if request.content_type != "application/json":  # section 3.1
        raise MalformedRequest("The request body must be application/json.")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise MalformedRequest("The request body is too large.")
    try:
        return request.body
    except RequestDataTooBig as exc:
        raise MalformedRequest("The request body is too large.") from exc


# --- The endpoint ---------------------------------------------------------------------------


@csrf_exempt  # Bearer-authenticated API, not a browser form.
@never_cache
@require_POST
def global_token_revocation(request: HttpRequest) -> HttpResponse:
    """Section 3: authenticate and authorize the caller, then read the subject, then log
    the person out everywhere."""
    if not _bearer_token_present(request):
        _audit(request, outcome=Outcome.DENIED, result="no_token")
        # RFC 6750 section 3.1: no error code when the request carried no credentials.
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="keyway"'
        return _no_store(response)

    valid, oauth_request = _verify_bearer(request)
    if not valid:
        _audit(request, outcome=Outcome.DENIED, result="invalid_token")
        return _error(
            401,
            "invalid_token",
            "The access token is not valid.",
            challenge='Bearer realm="keyway", error="invalid_token", '
            'error_description="The access token is not valid."',
        )

    client_id = oauth_request.client.client_id if oauth_request.client else None
    if oauth_request.user is not None:
        # A token issued to a person (code or refresh grant) acts for that person; only a
        # caller's own client_credentials token may speak for the caller (section 6.1).
        _audit(
            request, outcome=Outcome.DENIED, result="not_client_credentials", client_id=client_id
        )
        return _error(
            403,
            "access_denied",
            "Use an access token the caller obtained for itself with the client_credentials grant.",
        )
    if not _trusted(client_id):
        _audit(request, outcome=Outcome.DENIED, result="untrusted_client", client_id=client_id)
        return _error(403, "access_denied", "This client may not request global token revocation.")
    if SCOPE not in oauth_request.scopes:
        # Section 3.4.2: "403 Forbidden: Insufficient authorization, e.g. missing scopes";
        # RFC 6750 section 3.1 names the scope that is needed.
        _audit(request, outcome=Outcome.DENIED, result="insufficient_scope", client_id=client_id)
        return _error(
            403,
            "insufficient_scope",
            f"The access token lacks the {SCOPE} scope.",
            challenge=f'Bearer realm="keyway", error="insufficient_scope", scope="{SCOPE}"',
        )

    try:
        subject = parse_revocation_request(_read_body(request))
    except MalformedRequest as problem:
        _audit(
            request,
            outcome=Outcome.FAILURE,
            result="invalid_request",
            client_id=client_id,
            reason=str(problem),
        )
        return _error(400, "invalid_request", str(problem))

    user = selectors.user_by_subject_identifier(subject=subject)
    if user is None:
        _audit(
            request,
            outcome=Outcome.FAILURE,
            result="user_not_found",
            client_id=client_id,
            subject=subject,
        )
        # Section 3.4.2: "404 User Not Found". One answer for every unmatched identifier.
        return _error(404, "user_not_found", "No user matches the subject identifier.")

    try:
        result = user_universal_logout(
            user=user, reason=EndReason.GLOBAL_TOKEN_REVOCATION, request=request
        )
    except Exception:  # Section 3.4.2: "422 Unable to Process Request", never a 500.
        log.exception("Global token revocation failed for client %s", client_id)
        _audit(
            request,
            outcome=Outcome.FAILURE,
            result="logout_failed",
            client_id=client_id,
            user=user,
            subject=subject,
        )
        return _error(422, "logout_failed", "The user could not be logged out; try again.")

    _audit(
        request,
        outcome=Outcome.SUCCESS,
        result="revoked",
        client_id=client_id,
        user=user,
        subject=subject,
        sessions=result.sessions_ended,
        deliveries=len(result.deliveries),
    )
    # Section 3.4.1: "the server returns an HTTP 204 response".
    return _no_store(HttpResponse(status=204))
