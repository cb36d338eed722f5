"""Writes for sign-on sessions: start, renew, end, and universal logout."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.http import client_ip_address, user_agent
from apps.sso_sessions import fanout
from apps.sso_sessions.models import EndReason, LogoutDelivery, Participant, SignOnSession
from apps.sso_sessions.policy import Lifetime, expiry_for
from apps.sso_sessions.selectors import state_cache_key, state_of

# Activity is written to the database at most this often; the cache carries the rest.
ACTIVITY_WRITE_INTERVAL = timedelta(seconds=60)


def _cache_state(session: SignOnSession) -> None:
    cache.set(state_cache_key(session.sid), state_of(session).__dict__, 300)


def session_start(
    *, request: HttpRequest, user: object, amr: list[str], acr: str, current_sid: str | None = None
) -> SignOnSession:
    """A successful sign-in. Signing in again as the same person in the same browser
    renews that session (same ``sid``, new ``auth_time``); otherwise a new one starts and
    the browser's previous one, if any, ends."""
    now = timezone.now()
    lifetime = Lifetime.default()
    with transaction.atomic():
        previous = (
            SignOnSession.objects.select_for_update()
            .filter(sid=current_sid, ended_at__isnull=True)
            .first()
            if current_sid
            else None
        )
        if previous is not None and previous.user_id == user.pk:
            previous.auth_time = now
            previous.amr, previous.acr = list(amr), acr
            previous.last_activity_at = now
            previous.idle_expires_at, _ = expiry_for(
                created_at=previous.created_at, last_activity_at=now, lifetime=lifetime
            )
            previous.save(
                update_fields=["auth_time", "amr", "acr", "last_activity_at", "idle_expires_at"]
            )
            session = previous
        else:
            if previous is not None:
                session_end(session=previous, reason=EndReason.REPLACED)
            idle, absolute = expiry_for(created_at=now, last_activity_at=now, lifetime=lifetime)
            session = SignOnSession.objects.create(
                sid=secrets.token_urlsafe(24),
                user=user,
                auth_time=now,
                amr=list(amr),
                acr=acr,
                last_activity_at=now,
                idle_expires_at=idle,
                absolute_expires_at=absolute,
                ip=client_ip_address(request),
                user_agent=user_agent(request),
            )
            event_record(
                type="session.started",
                outcome=Outcome.SUCCESS,
                request=request,
                actor_subject=user.subject,
                actor_email=user.email,
                data={"sid": session.sid},
            )
    _cache_state(session)
    return session


def session_touch(*, sid: str, persisted_activity_at: float) -> None:
    """Sliding renewal: push the idle expiry forward, writing at most once a minute."""
    now = timezone.now()
    if now - datetime.fromtimestamp(persisted_activity_at, tz=UTC) < ACTIVITY_WRITE_INTERVAL:
        return
    session = SignOnSession.objects.filter(sid=sid, ended_at__isnull=True).first()
    if session is None:
        return
    session.last_activity_at = now
    session.idle_expires_at, _ = expiry_for(
        created_at=session.created_at, last_activity_at=now, lifetime=Lifetime.default()
    )
    session.save(update_fields=["last_activity_at", "idle_expires_at"])
    _cache_state(session)


def participant_record(
    *,
    sid: str,
    kind: str,
    party_id: str,
    session_index: str = "",
    name_id: str = "",
    name_id_format: str = "",
) -> None:
    """An application received tokens or an assertion from the session ``sid``.

    On the token path: one read and one insert that is a no-op when already recorded.
    SAML passes the SessionIndex and NameID it issued, which Single Logout must repeat.
    """
    session_id = (
        SignOnSession.objects.filter(sid=sid, ended_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )
    if session_id is None:
        return
    if session_index or name_id:
        Participant.objects.update_or_create(
            session_id=session_id,
            kind=kind,
            party_id=party_id,
            defaults={
                "session_index": session_index,
                "name_id": name_id,
                "name_id_format": name_id_format,
            },
        )
        return
    Participant.objects.bulk_create(
        [Participant(session_id=session_id, kind=kind, party_id=party_id)],
        ignore_conflicts=True,
    )


def participant_remove(*, session: SignOnSession, kind: str, party_id: str) -> None:
    """The party has left the session on its own (it asked for the logout): the fan-out
    must not send it a logout request of its own making (SAML Profiles 4.4.3.2)."""
    Participant.objects.filter(session=session, kind=kind, party_id=party_id).delete()


def session_end(
    *,
    session: SignOnSession,
    reason: str,
    request: HttpRequest | None = None,
    actor: object | None = None,
) -> list[LogoutDelivery]:
    """End one session: every protocol's tokens tied to it are dealt with (listeners) and
    every participant is told (fan-out). Ending an ended session does nothing."""
    with transaction.atomic():
        updated = SignOnSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
            ended_at=timezone.now(), end_reason=reason
        )
        if not updated:
            return []
        session.refresh_from_db()
        for listener in fanout.session_end_listeners():
            listener(session, reason)
        notices = {
            kind: fanout.LogoutNotice(
                user=session.user, reason=reason, session=session, party_ids=tuple(sorted(parties))
            )
            for kind, parties in _participants_by_kind(session).items()
        }
        deliveries = fanout.logout_fan_out(notices=notices)
        event_record(
            type="session.ended",
            outcome=Outcome.SUCCESS,
            request=request,
            actor_subject=session.user.subject,
            actor_email=session.user.email,
            data={
                "sid": session.sid,
                "reason": reason,
                "by": getattr(actor, "email", None),
                "deliveries": len(deliveries),
            },
        )
    _cache_state(session)
    return deliveries


def _participants_by_kind(session: SignOnSession) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {}
    for kind, party_id in session.participants.values_list("kind", "party_id"):
        kinds.setdefault(kind, set()).add(party_id)
    return kinds


@dataclass
class UniversalLogoutResult:
    sessions_ended: int = 0
    deliveries: list[LogoutDelivery] = field(default_factory=list)


def user_universal_logout(
    *,
    user: object,
    reason: str = EndReason.UNIVERSAL_LOGOUT,
    request: HttpRequest | None = None,
    actor: object | None = None,
) -> UniversalLogoutResult:
    """End every session of ``user``, revoke every token they hold (offline_access too)
    and tell every application — those in a session and those only holding tokens."""
    result = UniversalLogoutResult()
    with transaction.atomic():
        told: dict[str, set[str]] = {}
        for session in SignOnSession.objects.filter(user=user, ended_at__isnull=True):
            for kind, parties in _participants_by_kind(session).items():
                told.setdefault(kind, set()).update(parties)
            result.deliveries.extend(
                session_end(session=session, reason=reason, request=request, actor=actor)
            )
            result.sessions_ended += 1
        holders: dict[str, set[str]] = {}
        for listener in fanout.user_logout_listeners():
            for kind, parties in listener(user, reason).items():
                holders.setdefault(kind, set()).update(parties)
        notices = {
            kind: fanout.LogoutNotice(
                user=user,
                reason=reason,
                session=None,
                party_ids=tuple(sorted(parties - told.get(kind, set()))),
            )
            for kind, parties in holders.items()
            if parties - told.get(kind, set())
        }
        result.deliveries.extend(fanout.logout_fan_out(notices=notices))
        event_record(
            type="user.universal_logout",
            outcome=Outcome.SUCCESS,
            request=request,
            actor_subject=user.subject,
            actor_email=user.email,
            data={
                "reason": reason,
                "sessions": result.sessions_ended,
                "deliveries": len(result.deliveries),
                "by": getattr(actor, "email", None),
            },
        )
    return result
