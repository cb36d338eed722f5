"""The end-session endpoint: OpenID Connect RP-Initiated Logout 1.0.

A relying party sends the person's browser here, by GET or POST (section 2: the OP MUST
support both), to sign them out of Keyway.

Validation. Any failure is a 400 page, never a redirect (section 4: "any operations
requiring the information that failed to correctly validate MUST be aborted" and the OP
"MUST NOT perform post-logout redirection to an RP").

* Each parameter at most once, every value bounded (``protocol.parameters``); an empty
  value counts as absent.
* ``id_token_hint`` (RECOMMENDED) must be an ID token signed by one of Keyway's published
  keys with Keyway as ``iss`` (section 2: "the OP MUST validate that it was the issuer of
  the ID Token"). An expired one is fine (section 2: the OP SHOULD accept ID Tokens "even
  when the exp time has passed"). A Logout Token (it has ``events``) is no ID token.
* ``client_id`` must name a registered, active client and, with a hint, be one of the
  hint's audiences (section 2: "the OP MUST verify that the Client Identifier matches the
  one used when issuing the ID Token").
* ``post_logout_redirect_uri`` needs the client identified (``client_id`` or the hint's
  ``aud``) and is used only when it exactly matches one of that client's registered
  ``post_logout_redirect_uris`` (section 3 and 3.1). ``state`` goes back with it.
* ``logout_hint`` and ``ui_locales`` (OPTIONAL) are checked like the rest and not used:
  Keyway signs out the session of this browser and speaks one language.

Decision (section 2): the OP "MUST ask the End-User this question if an id_token_hint was
not provided or if the supplied ID Token does not belong to the current OP session with
the RP and/or currently logged in End-User". Keyway signs out at once when the hint's
``sid`` is this browser's sign-on session (a hint without ``sid``: when its ``sub`` is the
signed-in person), and otherwise asks (section 6: requests without a valid hint "are a
potential means of denial of service"); the answer is a CSRF-protected POST to
``oauth/logout/confirm``. With nobody signed in there is nothing to ask.

After signing out, every participating client with a ``frontchannel_logout_uri`` is told
(Front-Channel Logout 1.0, ``apps.oidc_provider.frontchannel``), the initiating one
included (section 2: it "is to be included in these notifications before the post-logout
redirection"); then the browser goes to the ``post_logout_redirect_uri`` with ``state``
(section 3: "after the OP has finished notifying the RPs"), or sees the signed-out page.

A cross-site POST carries no ``SameSite=Lax`` session cookie, so Keyway could not see who
is signed in; such a POST, once validated, is answered with a 303 to a GET (a top-level
navigation, which does carry the cookie) whose one parameter is the validated request,
signed and valid for a few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from apps.accounts.authn import AuthContext
from apps.accounts.selectors import session_auth_context
from apps.accounts.services import user_sign_out
from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.csp import form_action_allow, origin_of
from apps.common.views.errors import render_error
from apps.oidc_provider import keys, selectors
from apps.oidc_provider.frontchannel import frontchannel_logout_page
from apps.oidc_provider.models import Client, redirect_uri_problem
from apps.oidc_provider.oauth import issuer, redirect_with_params
from apps.oidc_provider.protocol.parameters import parameters_problem
from apps.sso_sessions.models import EndReason

HINT = "id_token_hint"
# A validated request travels signed: in the confirmation form (for 15 minutes) and in the
# 303 that turns a cookie-less POST into a GET (for 5 minutes).
_PENDING_SALT = "keyway.oidc.end-session.pending"
_PENDING_MAX_AGE = 15 * 60
RESUME = "keyway_resume"
_RESUME_SALT = "keyway.oidc.end-session.resume"
_RESUME_MAX_AGE = 5 * 60
_INVALID_TITLE = "This sign-out link is not valid"


class InvalidLogoutRequest(ValueError):
    """The request failed validation; the message says why (shown on the 400 page)."""


@dataclass(frozen=True)
class Hint:
    """What Keyway uses of a verified id_token_hint."""

    sub: str
    sid: str | None
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class LogoutRequest:
    """A validated logout request."""

    client: Client | None
    redirect_uri: str | None  # one of the client's post_logout_redirect_uris, exactly
    state: str | None
    hint: Hint | None = None

    @property
    def continue_url(self) -> str | None:
        """Where to send the browser afterwards (section 3), with ``state`` (section 2)."""
        if not self.redirect_uri:
            return None
        if not self.state:
            return self.redirect_uri
        return redirect_with_params(self.redirect_uri, {"state": self.state})

    @property
    def client_name(self) -> str:
        return (self.client.name or self.client.client_id) if self.client else ""


def _items(request: HttpRequest) -> list[tuple[str, str]]:
    """Section 2: query parameters on GET, form-serialized parameters on POST."""
    source = request.POST if request.method == "POST" else request.GET
    return [(k, v) for k, values in source.lists() for v in values]


def _parameters_problem(items: list[tuple[str, str]]) -> str | None:
    """Repeats and sizes. An ID token may be longer than other values (up to the limit
    ``keys.jwt_verify`` applies anyway)."""
    problem = parameters_problem([(k, v) for k, v in items if k != HINT])
    if problem:
        return problem
    hints = [v for k, v in items if k == HINT]
    if len(hints) > 1:
        return f"The {HINT} parameter is included more than once."
    if hints and len(hints[0]) > keys.MAX_TOKEN_LENGTH:
        return f"The {HINT} parameter is too long."
    return None


def hint_verify(token: str) -> Hint:
    """The claims Keyway uses of an id_token_hint it issued; raises InvalidLogoutRequest."""
    try:
        claims = keys.jwt_verify(token=token, verify_exp=False)
    except keys.InvalidSignedToken as exc:
        raise InvalidLogoutRequest(f"The {HINT} is not an ID token signed by Keyway.") from exc
    if claims.get("iss") != issuer():
        raise InvalidLogoutRequest(f"The {HINT} was not issued by this provider.")
    audience, sub, sid = claims.get("aud"), claims.get("sub"), claims.get("sid")
    audiences = audience if isinstance(audience, list) else [audience]
    if (
        "events" in claims  # a Logout Token (Back-Channel Logout 1.0 section 2.4)
        or not isinstance(sub, str)
        or not sub
        or not audiences
        or not all(isinstance(a, str) and a for a in audiences)
        or not isinstance(sid, str | None)
    ):
        raise InvalidLogoutRequest(f"The {HINT} is not an ID token.")
    return Hint(sub=sub, sid=sid or None, audiences=tuple(audiences))


def _active_client(client_id: str, problem: str) -> Client:
    client = selectors.client_by_id(client_id=client_id)
    if client is None or not client.is_active:
        raise InvalidLogoutRequest(problem)
    return client


def _redirect_uri_check(client: Client | None, uri: str | None) -> None:
    if not uri:
        return
    if client is None:
        # Section 3: without an ID token the OP MUST NOT redirect "unless the OP has other
        # means of confirming the legitimacy of the post-logout redirection target"; Keyway's
        # other means is a client_id whose registration lists the URI.
        raise InvalidLogoutRequest(
            "The post_logout_redirect_uri needs an id_token_hint or a client_id naming the "
            "client it is registered for."
        )
    # Exact string comparison (section 3). The registration rules are checked again so
    # that nothing Keyway would refuse to register is ever followed.
    if not client.post_logout_redirect_uri_allowed(uri) or redirect_uri_problem(uri):
        raise InvalidLogoutRequest(
            "The post_logout_redirect_uri is not registered for this client."
        )


def logout_request_parse(items: list[tuple[str, str]]) -> LogoutRequest:
    """Validate an RP-Initiated Logout request (section 2, 3); raises InvalidLogoutRequest."""
    problem = _parameters_problem(items)
    if problem:
        raise InvalidLogoutRequest(problem)
    # RFC 6749 section 3.1, which OIDC follows: a parameter without a value is omitted.
    params = {k: v for k, v in items if v}
    hint = hint_verify(params[HINT]) if HINT in params else None
    client_id = params.get("client_id")
    client = None
    if client_id:
        if hint is not None and client_id not in hint.audiences:
            raise InvalidLogoutRequest(f"The client_id is not the audience of the {HINT}.")
        client = _active_client(client_id, "The client_id is not a registered client.")
    elif hint is not None and len(hint.audiences) == 1:
        client = _active_client(
            hint.audiences[0], f"The {HINT} was issued to a client that is not registered."
        )
    redirect_uri = params.get("post_logout_redirect_uri")
    _redirect_uri_check(client, redirect_uri)
    return LogoutRequest(
        client=client, redirect_uri=redirect_uri, state=params.get("state"), hint=hint
    )


def hint_is_for_this_session(
    hint: Hint | None, *, user: object, context: AuthContext | None
) -> bool:
    """Section 2: does the ID token belong to this browser's session and person?"""
    if hint is None or hint.sub != str(user.subject):
        return False
    if hint.sid is None:
        return True
    return context is not None and hint.sid == context.sid


# --- Responses -----------------------------------------------------------------------------


def _audit(
    request: HttpRequest,
    outcome: Outcome,
    *,
    user: object | None = None,
    client_id: str | None = None,
    **data: object,
) -> None:
    actor = user if user is not None and user.is_authenticated else None
    event_record(
        type="oidc.rp_logout",
        outcome=outcome,
        request=request,
        actor_subject=actor.subject if actor else None,
        actor_email=actor.email if actor else "",
        data={"client_id": client_id, **data},
    )


def _invalid(request: HttpRequest, items: list[tuple[str, str]], problem: str) -> HttpResponse:
    client_id = next((v for k, v in items if k == "client_id"), None)
    _audit(
        request,
        Outcome.FAILURE,
        user=request.user,
        # Bounded, and no NUL: PostgreSQL's jsonb cannot store one.
        client_id=client_id[:255].replace("\x00", "\ufffd") if client_id else None,
        error=problem,
    )
    return render_error(None, 400, title=_INVALID_TITLE, message=f"invalid_request: {problem}")


def _continue(request: HttpRequest, logout: LogoutRequest, *, sid: str | None) -> HttpResponse:
    """The front-channel page (when the ended session had such participants), else the
    post-logout redirect, else the signed-out page."""
    continue_url = logout.continue_url
    page = frontchannel_logout_page(
        request, sid=sid, continue_url=continue_url, continue_name=logout.client_name
    )
    if page is not None:
        return page
    if continue_url:
        return HttpResponseRedirect(continue_url)
    return render(request, "accounts/signed_out.html")


def _sign_out(request: HttpRequest, logout: LogoutRequest, *, confirmed: bool) -> HttpResponse:
    user = request.user
    context = session_auth_context(request=request)
    sid = context.sid if context else None
    user_sign_out(request=request, reason=EndReason.RP_LOGOUT)
    _audit(
        request,
        Outcome.SUCCESS,
        user=user,
        client_id=logout.client.client_id if logout.client else None,
        signed_out=True,
        confirmed=confirmed,
        sid=sid,
        redirect=bool(logout.redirect_uri),
    )
    return _continue(request, logout, sid=sid)


def _not_signed_in(request: HttpRequest, logout: LogoutRequest) -> HttpResponse:
    _audit(
        request,
        Outcome.SUCCESS,
        client_id=logout.client.client_id if logout.client else None,
        signed_out=False,
        redirect=bool(logout.redirect_uri),
    )
    return _continue(request, logout, sid=None)


def _sealed(logout: LogoutRequest, *, salt: str) -> str:
    """The validated request, signed: what a form or a redirect carries back to Keyway."""
    return signing.dumps(
        {
            "c": logout.client.client_id if logout.client else "",
            "u": logout.redirect_uri or "",
            "s": logout.state or "",
            "h": [logout.hint.sub, logout.hint.sid] if logout.hint else None,
        },
        salt=salt,
        compress=True,
    )


def _unsealed(value: str, *, salt: str, max_age: int) -> LogoutRequest:
    """A request ``_sealed`` signed, checked again against the client's registration
    (it may have changed since); raises InvalidLogoutRequest."""
    try:
        sealed = signing.loads(value, salt=salt, max_age=max_age)
    except signing.BadSignature as exc:
        raise InvalidLogoutRequest("The sign-out request expired or was altered.") from exc
    client_id, redirect_uri = sealed["c"], sealed["u"] or None
    client = _active_client(client_id, "The client is no longer registered.") if client_id else None
    _redirect_uri_check(client, redirect_uri)
    hint = (
        Hint(sub=sealed["h"][0], sid=sealed["h"][1], audiences=(client_id,) if client_id else ())
        if sealed["h"]
        else None
    )
    return LogoutRequest(
        client=client, redirect_uri=redirect_uri, state=sealed["s"] or None, hint=hint
    )


def _confirmation_page(request: HttpRequest, logout: LogoutRequest) -> HttpResponse:
    pending = _sealed(logout, salt=_PENDING_SALT)
    response = render(
        request,
        "oidc_provider/end_session_confirm.html",
        {"client_name": logout.client_name, "pending": pending},
    )
    # Either answer may redirect to the relying party: CSP form-action must allow it.
    return form_action_allow(response, [origin_of(logout.redirect_uri or "") or ""])


@csrf_exempt  # Relying parties may POST the request itself (section 2).
@never_cache
@require_http_methods(["GET", "POST"])
def end_session(request: HttpRequest) -> HttpResponse:
    items = _items(request)
    try:
        if request.method == "GET" and [k for k, _v in items] == [RESUME]:
            logout = _unsealed(items[0][1], salt=_RESUME_SALT, max_age=_RESUME_MAX_AGE)
        else:
            logout = logout_request_parse(items)
    except InvalidLogoutRequest as exc:
        return _invalid(request, items, str(exc))
    if request.method == "POST" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        # Probably a cross-site form POST: the SameSite=Lax session cookie stayed behind.
        # A GET (303: RFC 9110 section 15.4.4) is a top-level navigation that brings it
        # along. It carries the validated request, signed, rather than the parameters: the
        # ID token stays out of URLs and logs, as the RP meant by POSTing it.
        query = urlencode({RESUME: _sealed(logout, salt=_RESUME_SALT)})
        response = HttpResponseRedirect(f"{reverse('oidc:end-session')}?{query}")
        response.status_code = 303
        return response
    if not request.user.is_authenticated:
        return _not_signed_in(request, logout)
    context = session_auth_context(request=request)
    if hint_is_for_this_session(logout.hint, user=request.user, context=context):
        return _sign_out(request, logout, confirmed=False)
    return _confirmation_page(request, logout)


@csrf_protect
@never_cache
@require_http_methods(["POST"])
def end_session_confirm(request: HttpRequest) -> HttpResponse:
    """The answer to "Sign out of Keyway?": only with a valid CSRF token."""
    decision = request.POST.get("decision")
    try:
        logout = _unsealed(
            request.POST.get("request", ""), salt=_PENDING_SALT, max_age=_PENDING_MAX_AGE
        )
    except InvalidLogoutRequest as exc:
        return render_error(request, 400, title="This sign-out form is not valid", message=str(exc))
    if decision not in ("signout", "stay"):
        return render_error(request, 400, message="The sign-out form was not understood.")
    if decision == "stay":
        _audit(
            request,
            Outcome.DENIED,
            user=request.user,
            client_id=logout.client.client_id if logout.client else None,
            signed_out=False,
        )
        return HttpResponseRedirect(logout.continue_url or reverse("accounts:home"))
    if not request.user.is_authenticated:
        return _not_signed_in(request, logout)
    return _sign_out(request, logout, confirmed=True)
