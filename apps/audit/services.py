"""Recording audit events: one database row and one JSON line on the ``keyway.audit`` log."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest

from apps.audit.models import Event, Outcome
from apps.common.http import client_ip_address, user_agent

logger = logging.getLogger("keyway.audit")


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
        json.dumps(
            {
                "event": "audit",
                "id": event.pk,
                "time": event.created_at.isoformat(),
                "type": event.type,
                "outcome": event.outcome,
                "actor_subject": str(event.actor_subject) if event.actor_subject else None,
                "actor_email": event.actor_email or None,
                "ip": event.ip,
                "data": event.data,
            },
            sort_keys=True,
        )
    )
    return event
