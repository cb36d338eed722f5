"""The authorization endpoint: RFC 6749 section 3.1 / 4.1.1, OIDC Core section 3.1.2.

GET (and POST, OIDC Core 3.1.2.1) validates the request with oauthlib, then decides
with ``protocol.prompt`` whether the person must sign in (again) or consent first, and
finally issues a code. Errors go back to the client only once the client and its
redirect URI are known to be valid (RFC 6749 section 4.1.2.1); otherwise an error page.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.settings import oauth2_settings

from apps.accounts.authn import AuthContext
from apps.accounts.selectors import session_auth_context
from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.csp import form_action_allow, origin_of
from apps.common.http import client_ip_address
from apps.common.views.errors import render_error
from apps.oidc_provider import keys, selectors, services
from apps.oidc_provider.oauth import issuer, oauthlib_core, redirect_with_params
from apps.oidc_provider.protocol.parameters import parameters_problem
from apps.oidc_provider.protocol.prompt import Decision, Facts, decide, prompt_problem
from apps.oidc_provider.protocol.prompt import Outcome as Next
from apps.policies.selectors import application_access_decide
from apps.sso_sessions.policy import acr_satisfies, exceeds_client_limits
from apps.sso_sessions.selectors import session_state

# The signed marker that proves the person signed in after this request asked them to.
FRESH_LOGIN_PARAM = "keyway_login"
_FRESH_LOGIN_SALT = "keyway.oidc.authorize.fresh-login"
_FRESH_LOGIN_MAX_AGE = 15 * 60


class _Request:
    """One authorization request as parameters, without Keyway's own marker."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.marker = next((v for k, v in items if k == FRESH_LOGIN_PARAM), "")
        self.items = [
            (k, v)
            for k, v in items
            if k not in (FRESH_LOGIN_PARAM, "csrfmiddlewaretoken", "decision")
        ]
        self.params = dict(self.items)

    @property
    def query(self) -> str:
        return urlencode(self.items)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.query.encode()).hexdigest()

    def url(self, name: str = "oidc:authorize", **extra: str) -> str:
        return f"{reverse(name)}?{urlencode(self.items + list(extra.items()))}"


def _items(request: HttpRequest) -> list[tuple[str, str]]:
    source = (
        request.POST if request.method == "POST" and "decision" not in request.POST else request.GET
    )
    return [(k, v) for k, values in source.lists() for v in values]


def _error_redirect(
    redirect_uri: str, error: str, description: str, state: str | None
) -> HttpResponse:
    params = {"error": error, "error_description": description, "iss": issuer()}
    if state:
        params["state"] = state
    return HttpResponseRedirect(redirect_with_params(redirect_uri, params))


def _oauth_error(error: OAuthToolkitError) -> HttpResponse:
    oauth_error = error.oauthlib_error
    if isinstance(error, FatalClientError) or not oauth_error.redirect_uri:
        return render_error(
            None,
            400,
            title="This sign-in link is not valid",
            message=f"{oauth_error.error}: {oauth_error.description}",
        )
    return _error_redirect(
        oauth_error.redirect_uri, oauth_error.error, oauth_error.description, oauth_error.state
    )


def _fresh_login_done(auth_request: _Request, context: AuthContext | None) -> bool:
    """Did the person sign in after this request sent them to sign in? The marker names
    the sign-in that was current then; any other sign-in since counts."""
    if not auth_request.marker or context is None:
        return False
    try:
        data = signing.loads(
            auth_request.marker, salt=_FRESH_LOGIN_SALT, max_age=_FRESH_LOGIN_MAX_AGE
        )
    except signing.BadSignature:
        return False
    return data.get("q") == auth_request.fingerprint and data.get("l") != context.login_id


def _signin_redirect(request: HttpRequest, auth_request: _Request) -> HttpResponse:
    context = session_auth_context(request=request)
    marker = signing.dumps(
        {"q": auth_request.fingerprint, "l": context.login_id if context else None},
        salt=_FRESH_LOGIN_SALT,
    )
    query = {"next": auth_request.url(**{FRESH_LOGIN_PARAM: marker})}
    if auth_request.params.get("login_hint"):
        query["login_hint"] = auth_request.params["login_hint"][:254]
    return HttpResponseRedirect(f"{reverse('accounts:signin')}?{urlencode(query)}")


def _hint_subject(token: str, client_id: str) -> str | None:
    """``sub`` of an id_token_hint Keyway issued to this client (expired is fine:
    OIDC Core 3.1.2.1). Raises ValueError for a hint that is not one."""
    claims = keys.jwt_verify(token=token, verify_exp=False)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if "events" in claims:  # a logout token (Back-Channel Logout 1.0 2.4), not an ID token
        raise ValueError("id_token_hint is a logout token")
    if claims.get("iss") != issuer() or client_id not in audiences or not claims.get("sub"):
        raise ValueError("id_token_hint was not issued by Keyway to this client")
    return str(claims["sub"])


def _decide(
    request: HttpRequest, auth_request: _Request, client: object, scopes: list[str], consented: bool
) -> Decision:
    params = auth_request.params
    prompt = params.get("prompt", "").split()
    problem = prompt_problem(prompt)
    if problem:
        return Decision(Next.ERROR, "invalid_request", problem)
    max_age = params.get("max_age")
    if max_age is not None and not (max_age.isdigit() and len(max_age) < 10):
        return Decision(Next.ERROR, "invalid_request", "max_age must be a non-negative integer.")
    hint_subject = None
    if params.get("id_token_hint"):
        try:
            hint_subject = _hint_subject(params["id_token_hint"], client.client_id)
        except ValueError:
            return Decision(Next.ERROR, "invalid_request", "The id_token_hint is not valid.")
    context = session_auth_context(request=request)
    user = request.user if context else None
    consent_needed = not consented and (
        "consent" in prompt
        or (
            user is not None
            and not client.skip_consent
            and not selectors.consent_covers(user=user, client=client, scopes=scopes)
        )
    )
    now = int(time.time())
    limits_exceeded = acr_insufficient = False
    if context is not None:
        state = session_state(sid=context.sid)
        limits_exceeded = exceeds_client_limits(
            now=datetime.fromtimestamp(now, tz=UTC),
            auth_time=datetime.fromtimestamp(context.auth_time, tz=UTC),
            last_activity_at=datetime.fromtimestamp(
                state.persisted_activity_at if state else context.auth_time, tz=UTC
            ),
            max_age=client.session_max_age,
            idle_timeout=client.session_idle_timeout,
        )
        acr_insufficient = not acr_satisfies(
            session_acr=context.acr, required_acr=client.required_acr
        )
    return decide(
        Facts(
            prompt=prompt,
            max_age=int(max_age) if max_age is not None else None,
            signed_in_subject=str(user.subject) if user else None,
            auth_time=context.auth_time if context else None,
            now=now,
            hint_subject=hint_subject,
            fresh_login_done=_fresh_login_done(auth_request, context),
            consent_needed=consent_needed,
            client_limits_exceeded=limits_exceeded,
            acr_insufficient=acr_insufficient,
        )
    )


def _access_policy(
    request: HttpRequest,
    auth_request: _Request,
    client_id: str,
    redirect_uri: str,
    state: str | None,
) -> HttpResponse | None:
    """The access policies (imported from SiteMinder or set in Keyway) for this client:
    a person they do not permit gets ``access_denied``; a required acr above the
    session's sends them to sign in again, or ``unmet_authentication_requirements`` when
    signing in again did not (or, with prompt=none, may not) reach it."""
    policy = application_access_decide(
        user=request.user, protocol="oidc", party_id=client_id, ip=client_ip_address(request)
    )
    if not policy.allowed:
        event_record(
            type="oidc.policy_denied",
            outcome=Outcome.DENIED,
            request=request,
            actor_subject=request.user.subject,
            actor_email=request.user.email,
            data={"client_id": client_id, "reasons": list(policy.reasons)},
        )
        return _error_redirect(
            redirect_uri, "access_denied", "The access policy does not permit this user.", state
        )
    context = session_auth_context(request=request)
    required = policy.required_acr or ""
    if context is None or acr_satisfies(session_acr=context.acr, required_acr=required):
        return None
    silent = "none" in auth_request.params.get("prompt", "").split()
    if silent or _fresh_login_done(auth_request, context):
        return _error_redirect(
            redirect_uri,
            "unmet_authentication_requirements",
            "The sign-in does not meet the authentication level the access policy requires.",
            state,
        )
    return _signin_redirect(request, auth_request)


def _issue_code(request: HttpRequest, scopes: list[str], credentials: dict) -> HttpResponse:
    credentials["keyway_auth_context"] = session_auth_context(request=request)
    try:
        uri, _headers, _body, _status = oauthlib_core().create_authorization_response(
            request, scopes, credentials, allow=True
        )
    except OAuthToolkitError as error:
        return _oauth_error(error)
    event_record(
        type="oidc.authorized",
        outcome=Outcome.SUCCESS,
        request=request,
        actor_subject=request.user.subject,
        actor_email=request.user.email,
        data={"client_id": credentials["client_id"], "scopes": scopes},
    )
    return HttpResponseRedirect(uri)


def _handle(request: HttpRequest, *, decision: str | None = None) -> HttpResponse:
    auth_request = _Request(_items(request))
    problem = parameters_problem(auth_request.items)
    if problem:
        return render_error(
            None, 400, title="This sign-in link is not valid", message=f"invalid_request: {problem}"
        )
    if not auth_request.params.get("redirect_uri"):
        # OIDC Core 3.1.2.1: REQUIRED. Without it there is nowhere safe to send an error.
        return render_error(
            None,
            400,
            title="This sign-in link is not valid",
            message="invalid_request: the redirect_uri parameter is missing.",
        )
    try:
        scopes, credentials = oauthlib_core().validate_authorization_request(request)
    except OAuthToolkitError as error:
        return _oauth_error(error)

    client = credentials["request"].client
    redirect_uri, state = credentials["redirect_uri"], credentials.get("state")
    if decision == "deny":
        event_record(
            type="oidc.consent_denied",
            outcome=Outcome.DENIED,
            request=request,
            actor_subject=request.user.subject,
            actor_email=request.user.email,
            data={"client_id": client.client_id},
        )
        return _error_redirect(
            redirect_uri, "access_denied", "The end-user denied the request.", state
        )
    if decision == "allow":
        services.consent_grant(user=request.user, client=client, scopes=scopes)

    outcome = _decide(request, auth_request, client, scopes, consented=decision == "allow")
    if outcome.outcome is Next.ERROR:
        return _error_redirect(redirect_uri, outcome.error, outcome.description, state)
    if outcome.outcome is Next.LOGIN:
        return _signin_redirect(request, auth_request)
    refused = _access_policy(request, auth_request, client.client_id, redirect_uri, state)
    if refused is not None:
        return refused
    if outcome.outcome is Next.CONSENT:
        descriptions = oauth2_settings.SCOPES
        response = render(
            request,
            "oidc_provider/consent.html",
            {
                "client": client,
                "scopes": [(s, descriptions.get(s, s)) for s in scopes],
                "action": auth_request.url("oidc:authorize-decision"),
            },
        )
        # The answer redirects to the client: CSP form-action must allow its origin.
        return form_action_allow(response, [origin_of(redirect_uri) or ""])
    return _issue_code(request, scopes, credentials)


@csrf_exempt  # Relying parties may POST the request itself (OIDC Core 3.1.2.1).
@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    return _handle(request)


@csrf_protect
@never_cache
@require_http_methods(["POST"])
def authorize_decision(request: HttpRequest) -> HttpResponse:
    """The consent form's answer: only a signed-in person with a valid CSRF token."""
    decision = request.POST.get("decision")
    if not request.user.is_authenticated or decision not in ("allow", "deny"):
        return render_error(request, 400, message="The consent form was not understood.")
    return _handle(request, decision=decision)
