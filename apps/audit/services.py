"""Recording audit events: one database row and one JSON line on the ``keyway.audit`` log.

The line goes through the structured-logging pipeline (``apps.common.logs``), so it also
carries the timestamp, level, ``request_id`` and ``trace_id`` of every other line.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.http import HttpRequest

from apps.audit.models import Event, Outcome
from apps.common.http import client_ip_address, user_agent

logger = structlog.get_logger("keyway.audit")


def event_record(
    *,
    type: str,
    outcome: Outcome,
    request: HttpRequest | None = None,
    actor_subject: Any = None,
    actor_email: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    event = Event.objects.create(
        type=type,
        outcome=outcome,
        actor_subject=actor_subject,
        actor_email=actor_email[:254],
        ip=client_ip_address(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        data=data or {},
    )
    logger.info(
        "audit",
        id=event.pk,
        time=event.created_at.isoformat(),
        type=event.type,
        outcome=event.outcome,
        actor_subject=str(event.actor_subject) if event.actor_subject else None,
        actor_email=event.actor_email or None,
        ip=event.ip,
        data=event.data,
    )
    return event
