"""Reads for sign-on sessions. The per-request check goes through the cache."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from apps.sso_sessions.models import Participant, SignOnSession

_STATE_TTL = 300


def state_cache_key(sid: str) -> str:
    return f"sso:sid:{sid}"


@dataclass(frozen=True)
class SessionState:
    """What the middleware needs on every request, small enough to cache."""

    sid: str
    ended: bool
    idle_expires_at: float
    absolute_expires_at: float
    persisted_activity_at: float


def session_state(*, sid: str) -> SessionState | None:
    cached = cache.get(state_cache_key(sid))
    if cached is not None:
        return SessionState(**cached)
    session = SignOnSession.objects.filter(sid=sid).first()
    if session is None:
        return None
    state = state_of(session)
    cache.set(state_cache_key(sid), state.__dict__, _STATE_TTL)
    return state


def state_of(session: SignOnSession) -> SessionState:
    return SessionState(
        sid=session.sid,
        ended=session.ended_at is not None,
        idle_expires_at=session.idle_expires_at.timestamp(),
        absolute_expires_at=session.absolute_expires_at.timestamp(),
        persisted_activity_at=session.last_activity_at.timestamp(),
    )


def session_by_sid(*, sid: str) -> SignOnSession | None:
    return SignOnSession.objects.select_related("user").filter(sid=sid).first()


def sessions_active_for_user(*, user: object) -> list[SignOnSession]:
    now = timezone.now()
    return list(
        SignOnSession.objects.filter(
            user=user, ended_at__isnull=True, idle_expires_at__gt=now, absolute_expires_at__gt=now
        )
        .prefetch_related("participants")
        .order_by("-last_activity_at")
    )


def session_is_live(session: SignOnSession, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        session.ended_at is None
        and session.idle_expires_at > now
        and session.absolute_expires_at > now
    )


def participants_of(*, session: SignOnSession, kind: str) -> list[Participant]:
    return list(session.participants.filter(kind=kind))


def participant_party_ids(*, sid: str, kind: str) -> list[str]:
    """The applications of ``kind`` the session ``sid`` reached, ended or not (one query)."""
    return list(
        Participant.objects.filter(session__sid=sid, kind=kind)
        .order_by("party_id")
        .values_list("party_id", flat=True)
    )


def participant_get(*, sid: str, kind: str, party_id: str) -> Participant | None:
    return Participant.objects.filter(session__sid=sid, kind=kind, party_id=party_id).first()


def sessions_with_participant(
    *, kind: str, party_id: str, name_id: str, session_indexes: tuple[str, ...] = ()
) -> list[SignOnSession]:
    """Live sessions in which this party was given this NameID (and, when the party names
    them, one of these SessionIndexes): what a SAML LogoutRequest designates (SAML Core
    3.7.3.2)."""
    participants = Participant.objects.filter(
        kind=kind, party_id=party_id, name_id=name_id, session__ended_at__isnull=True
    )
    if session_indexes:
        participants = participants.filter(session_index__in=session_indexes)
    return [p.session for p in participants.select_related("session", "session__user")]


def sessions_list(
    *, user: object | None = None, active: bool | None = None, client_id: str | None = None
):
    """Sign-on sessions newest first, optionally of one person, live or not (``active``:
    not ended and within both timeouts), or reaching one application (OIDC client_id or
    SAML entity ID)."""
    now = timezone.now()
    sessions = SignOnSession.objects.select_related("user").prefetch_related("participants")
    if user is not None:
        sessions = sessions.filter(user=user)
    live = {"ended_at__isnull": True, "idle_expires_at__gt": now, "absolute_expires_at__gt": now}
    if active is True:
        sessions = sessions.filter(**live)
    elif active is False:
        from django.db.models import Q

        sessions = sessions.exclude(Q(**live))
    if client_id:
        sessions = sessions.filter(participants__party_id=client_id).distinct()
    return sessions.order_by("-created_at", "-id")
