""" "Your sessions": where a person is signed in, and a way to end any of those sessions.

Ending a session from here is a logout like any other (``session_end`` with
``EndReason.USER_ENDED``): the tokens issued from that session are revoked, except
``offline_access`` ones (OIDC Core section 11), the applications it reached are told
(Back-Channel Logout 1.0), and the browser that held it is signed out on its next request
(the sign-on session middleware). "Sign out everywhere" does that for every session of the
person, this browser's included, which is then signed out at once.

Every form is a POST with a CSRF token; a session id that is not one of the person's own
sessions is a 404, whoever it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.selectors import session_auth_context
from apps.accounts.services import user_sign_out
from apps.oidc_provider.frontchannel import frontchannel_logout_page
from apps.oidc_provider.selectors import client_by_id
from apps.sso_sessions.models import EndReason, ParticipantKind, SignOnSession
from apps.sso_sessions.selectors import session_by_sid, sessions_active_for_user
from apps.sso_sessions.services import session_end

# Session ids are secrets.token_urlsafe(24): 32 characters of this alphabet. Anything else
# is no session of anyone's and never reaches the database (a NUL byte would make
# PostgreSQL raise).
_SID = re.compile(r"[A-Za-z0-9_-]{1,64}")

# --- Device names from the User-Agent header --------------------------------------------------
#
# A deliberately small parser: the browser and operating-system families people recognise,
# read from the product tokens browsers send. It never guesses versions or device models,
# and an agent it does not recognise is shown as such (the raw header is on the page too).
# Order matters: Chromium browsers also say "Chrome/" and "Safari/", Chrome says "Safari/",
# Android says "Linux", iOS says "like Mac OS X".
_BROWSERS: tuple[tuple[str, str], ...] = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Vivaldi/", "Vivaldi"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
UA_DISPLAY_LENGTH = 120


def _first_match(user_agent: str, table: tuple[tuple[str, str], ...]) -> str:
    return next((name for token, name in table if token in user_agent), "")


def device_summary(user_agent: str) -> str:
    """``"Firefox on Windows"``, ``"Safari on iOS"``, ``"Unknown browser on Linux"``, or
    ``"Unknown device"``."""
    browser = _first_match(user_agent, _BROWSERS)
    system = _first_match(user_agent, _SYSTEMS)
    if browser and system:
        return f"{browser} on {system}"
    if system:
        return f"Unknown browser on {system}"
    return browser or "Unknown device"


def _shortened(text: str, limit: int = UA_DISPLAY_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- The page --------------------------------------------------------------------------------


@dataclass
class SessionRow:
    session: SignOnSession
    device: str
    user_agent: str
    is_current: bool
    applications: list[str] = field(default_factory=list)


def _application_names(session: SignOnSession, names: dict[str, str]) -> list[str]:
    """The applications the session reached, by the names people saw on consent pages."""
    shown: list[str] = []
    for participant in session.participants.all():  # prefetched
        if participant.kind == ParticipantKind.OIDC:
            if participant.party_id not in names:
                client = client_by_id(client_id=participant.party_id)
                names[participant.party_id] = (
                    (client.name or client.client_id) if client else participant.party_id
                )
            shown.append(names[participant.party_id])
        else:
            shown.append(participant.party_id)  # a SAML service provider's entity ID
    return sorted(set(shown), key=str.casefold)


def _current_sid(request: HttpRequest) -> str | None:
    context = session_auth_context(request=request)
    return context.sid if context else None


@never_cache
@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    current = _current_sid(request)
    names: dict[str, str] = {}
    rows = [
        SessionRow(
            session=session,
            device=device_summary(session.user_agent),
            user_agent=_shortened(session.user_agent),
            is_current=session.sid == current,
            applications=_application_names(session, names),
        )
        for session in sessions_active_for_user(user=request.user)
    ]
    rows.sort(key=lambda row: not row.is_current)  # this device first, then most recent
    return render(request, "sso_sessions/sessions.html", {"rows": rows})


def _own_session(request: HttpRequest, sid: str) -> SignOnSession:
    """The person's own session with this ``sid``, else 404: a stranger's session and no
    session at all look the same."""
    if not _SID.fullmatch(sid):
        raise Http404("No such session.")
    session = session_by_sid(sid=sid)
    if session is None or session.user_id != request.user.pk:
        raise Http404("No such session.")
    return session


def _signed_out(request: HttpRequest) -> HttpResponse:
    """This browser's own session has ended: sign it out now rather than on the next
    request (``user_sign_out`` finds its sign-on session already ended), and say so with
    the page that also tells the session's front-channel applications, as sign-out does."""
    sid = _current_sid(request)
    user_sign_out(request=request)
    page = frontchannel_logout_page(request, sid=sid)
    return page if page is not None else render(request, "accounts/signed_out.html")


@never_cache
@login_required
@require_POST
def session_end_one(request: HttpRequest) -> HttpResponse:
    session = _own_session(request, request.POST.get("sid", ""))
    if session.ended_at is not None:
        messages.info(request, "That session had already ended.")
        return HttpResponseRedirect(reverse("sso_sessions:list"))
    session_end(session=session, reason=EndReason.USER_ENDED, request=request, actor=request.user)
    if session.sid == _current_sid(request):
        return _signed_out(request)
    messages.success(request, f"Signed out {device_summary(session.user_agent)}.")
    return HttpResponseRedirect(reverse("sso_sessions:list"))


@never_cache
@login_required
@require_POST
def session_end_all(request: HttpRequest) -> HttpResponse:
    """Every session of the person ends, then this browser is signed out.

    Not universal logout: tokens that outlive sessions by design (``offline_access``) are
    kept, as when each session is ended one by one; an administrator or a Global Token
    Revocation caller revokes those too.
    """
    # Every session not yet ended, including any past its expiry that no request has
    # ended yet (the listing shows only live ones): none may keep its tokens.
    for session in SignOnSession.objects.filter(user=request.user, ended_at__isnull=True):
        session_end(
            session=session, reason=EndReason.USER_ENDED, request=request, actor=request.user
        )
    return _signed_out(request)
