"""Audit reads: events filtered the way an operator searches them."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import Q, QuerySet

from apps.audit.models import Event


def events_filter(
    *,
    actor_subject: uuid.UUID | None = None,
    client_id: str | None = None,
    type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Event]:
    """Events newest first. ``client_id`` matches events about that client or done by it
    (``data.client_id``, or ``data.by`` naming it as the API's acting client); ``type``
    is exact, or a prefix when it ends in ``.`` (``client.`` finds every client event);
    ``since`` is inclusive, ``until`` exclusive."""
    events = Event.objects.all()
    if actor_subject is not None:
        events = events.filter(actor_subject=actor_subject)
    if client_id:
        events = events.filter(Q(data__client_id=client_id) | Q(data__by=f"client:{client_id}"))
    if type:
        events = (
            events.filter(type__startswith=type) if type.endswith(".") else events.filter(type=type)
        )
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    return events.order_by("-created_at", "-id")
