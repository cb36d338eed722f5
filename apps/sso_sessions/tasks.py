"""Delivering logout notifications, with retries and exponential backoff.

Each attempt's outcome is written to the ``LogoutDelivery`` row (visible in the admin) and
the final outcome to the audit log. The channel's sender does the protocol work; this task
only decides whether to try again.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.sso_sessions import fanout
from apps.sso_sessions.models import DeliveryStatus, LogoutDelivery


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt: the base delay, doubled after each failure."""
    return keyway_settings.LOGOUT_DELIVERY_RETRY_DELAY * 2 ** max(attempts - 1, 0)


@shared_task(bind=True, acks_late=True, max_retries=None, name="sso_sessions.logout_deliver")
def logout_deliver(self, delivery_id: int) -> str:
    delivery = LogoutDelivery.objects.select_related("user").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "skipped"
    status_code: int | None = None
    error = ""
    try:
        status_code = fanout.sender_for(delivery.channel)(delivery)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivered = status_code is not None and 200 <= status_code < 300
    if delivered:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            DeliveryStatus.DELIVERED,
            timezone.now(),
            "",
        )
    else:
        delivery.last_error = error or f"HTTP {status_code}"
        if delivery.attempts >= keyway_settings.LOGOUT_DELIVERY_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
    delivery.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "status",
            "delivered_at",
            "last_error",
            "updated_at",
        ]
    )
    if delivery.status == DeliveryStatus.PENDING:
        raise self.retry(countdown=retry_delay(delivery.attempts))
    event_record(
        type="logout.delivery",
        actor_subject=delivery.user.subject,
        actor_email=delivery.user.email,
        outcome=Outcome.SUCCESS if delivered else Outcome.FAILURE,
        data={
            "channel": delivery.channel,
            "party_id": delivery.party_id,
            "attempts": delivery.attempts,
            "status_code": status_code,
            "error": delivery.last_error,
            "sid": delivery.sid,
        },
    )
    return delivery.status
