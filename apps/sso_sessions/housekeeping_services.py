"""Scheduled upkeep of sign-on sessions and logout deliveries (run by Celery beat)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from apps.sso_sessions.models import DeliveryStatus, LogoutDelivery, SignOnSession


def sessions_purge(*, older_than: datetime) -> dict[str, int]:
    """Delete sign-on sessions that ended, or expired (idle or absolute) without anybody
    ending them, before ``older_than``, and logout deliveries finished (delivered or
    failed) before then. Pending deliveries stay: ``logout_deliveries_resume`` owns them."""
    sessions = SignOnSession.objects.filter(
        Q(ended_at__lt=older_than)
        | Q(ended_at__isnull=True, idle_expires_at__lt=older_than)
        | Q(ended_at__isnull=True, absolute_expires_at__lt=older_than)
    )
    deliveries = LogoutDelivery.objects.filter(
        status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED], updated_at__lt=older_than
    )
    with transaction.atomic():
        removed_deliveries, _ = deliveries.delete()
        removed_sessions = sessions.delete()[1].get(SignOnSession._meta.label, 0)
    return {"sessions": removed_sessions, "logout_deliveries": removed_deliveries}
