"""The one place every logout goes out from.

Whatever ends a session (sign-out, an application's logout request, an administrator,
universal logout, an upstream provider) calls ``logout_fan_out``. Each protocol registers
a *channel*: a planner that turns the session's participants of its kind into
``LogoutDelivery`` rows, and a sender that performs one delivery attempt. OpenID Connect
back-channel logout registers itself from ``apps.oidc_provider``; SAML Single Logout plugs
in the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from apps.sso_sessions.models import LogoutDelivery, SignOnSession

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogoutNotice:
    """What the planners are told: who is signed out, from which session, why.

    ``session`` is None for a user-wide logout of parties that hold tokens without being
    tied to a session (universal logout); ``party_ids`` then lists them.
    """

    user: object
    reason: str
    session: SignOnSession | None
    party_ids: tuple[str, ...]


Planner = Callable[[LogoutNotice], Iterable[LogoutDelivery]]
Sender = Callable[[LogoutDelivery], int]  # returns the HTTP status; raises on failure

_planners: dict[str, Planner] = {}
_senders: dict[str, Sender] = {}


def channel_register(*, kind: str, channel: str, planner: Planner, sender: Sender) -> None:
    """``kind`` is the participant kind the planner handles (ParticipantKind)."""
    _planners[kind] = planner
    _senders[channel] = sender


def sender_for(channel: str) -> Sender:
    return _senders[channel]


def logout_fan_out(*, notices: dict[str, LogoutNotice]) -> list[LogoutDelivery]:
    """Plan every delivery (by participant kind) and queue them once the transaction
    commits, so a worker never looks for a row that is not there yet."""
    from apps.sso_sessions.tasks import logout_deliver

    deliveries: list[LogoutDelivery] = []
    for kind, notice in notices.items():
        planner = _planners.get(kind)
        if planner is not None:
            deliveries.extend(planner(notice))
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: _queue(logout_deliver, pk))
    return deliveries


def _queue(task: object, pk: int) -> None:
    """Queue one delivery. The logout has already happened: a broker that is down must not
    turn it into an error; the row stays pending and logout_deliveries_resume picks it up."""
    try:
        task.delay(pk)
    except Exception:
        logger.exception("Could not queue logout delivery %s; it stays pending.", pk)


# What ending a session or a user's sessions means for each protocol's tokens. The OpenID
# Provider registers its token policy here (see apps.oidc_provider.logout), so this app
# needs no knowledge of OAuth tokens.
SessionEndListener = Callable[[SignOnSession, str], None]
# Revokes everything the user holds and answers {participant kind: party ids} of the
# parties that held something, so they can be told even without a session.
UserLogoutListener = Callable[[object, str], dict[str, set[str]]]

_session_end_listeners: list[SessionEndListener] = []
_user_logout_listeners: list[UserLogoutListener] = []


def session_end_listener_register(listener: SessionEndListener) -> None:
    if listener not in _session_end_listeners:
        _session_end_listeners.append(listener)


def user_logout_listener_register(listener: UserLogoutListener) -> None:
    if listener not in _user_logout_listeners:
        _user_logout_listeners.append(listener)


def session_end_listeners() -> list[SessionEndListener]:
    return list(_session_end_listeners)


def user_logout_listeners() -> list[UserLogoutListener]:
    return list(_user_logout_listeners)
