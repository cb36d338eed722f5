"""Delivering logout notifications, with retries and exponential backoff.

Each attempt's outcome is written to the ``LogoutDelivery`` row (visible in the admin) and
the final outcome to the audit log. The channel's sender does the protocol work; this task
only decides whether to try again.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.common.metrics import logout_delivery_count
from apps.sso_sessions import fanout
from apps.sso_sessions.housekeeping_services import sessions_purge
from apps.sso_sessions.models import DeliveryStatus, LogoutDelivery


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt: the base delay, doubled after each failure."""
    return keyway_settings.LOGOUT_DELIVERY_RETRY_DELAY * 2 ** max(attempts - 1, 0)


# Answers that will not change on a retry: the receiver refused the token itself
# (Back-Channel Logout 1.0 section 2.8: 400 for a token it cannot accept).
_PERMANENT = range(400, 500)
_TRANSIENT_4XX = {408, 425, 429}


def _attempt(delivery: LogoutDelivery) -> bool:
    """One delivery attempt, recorded. True when nothing is left to try."""
    status_code: int | None = None
    error = ""
    try:
        status_code = fanout.sender_for(delivery.channel)(delivery)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    delivery.attempts += 1
    delivery.last_status_code = status_code
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            DeliveryStatus.DELIVERED,
            timezone.now(),
            "",
        )
    else:
        delivery.last_error = error or f"HTTP {status_code}"
        refused = status_code in _PERMANENT and status_code not in _TRANSIENT_4XX
        if refused or delivery.attempts >= keyway_settings.LOGOUT_DELIVERY_MAX_ATTEMPTS:
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
    return delivery.status != DeliveryStatus.PENDING


@shared_task(bind=True, acks_late=True, max_retries=None, name="sso_sessions.logout_deliver")
def logout_deliver(self, delivery_id: int) -> str:
    delivery = LogoutDelivery.objects.select_related("user").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "skipped"
    finished = _attempt(delivery)
    # Embedded mode has no broker to wait on: try again at once, here, rather than through
    # Celery's eager retry (which re-raises instead of retrying when errors propagate).
    while not finished and self.request.is_eager:
        finished = _attempt(delivery)
    if not finished:
        raise self.retry(countdown=retry_delay(delivery.attempts))
    delivered = delivery.status == DeliveryStatus.DELIVERED
    logout_delivery_count(channel=delivery.channel, delivered=delivered)
    event_record(
        type="logout.delivery",
        actor_subject=delivery.user.subject,
        actor_email=delivery.user.email,
        outcome=Outcome.SUCCESS if delivered else Outcome.FAILURE,
        data={
            "channel": delivery.channel,
            "party_id": delivery.party_id,
            "attempts": delivery.attempts,
            "status_code": delivery.last_status_code,
            "error": delivery.last_error,
            "sid": delivery.sid,
        },
    )
    return delivery.status


@shared_task(name="sso_sessions.logout_deliveries_resume")
def logout_deliveries_resume(*, older_than_seconds: int = 600) -> int:
    """Queue again deliveries left pending (the broker was down when they were queued, or
    a worker died mid-way). Run by Celery beat; harmless to run twice."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = LogoutDelivery.objects.filter(status=DeliveryStatus.PENDING, updated_at__lt=cutoff)
    count = 0
    for pk in stale.values_list("pk", flat=True):
        logout_deliver.delay(pk)
        count += 1
    return count


@shared_task(name="sso_sessions.sessions_purge")
def sessions_purge_task() -> dict[str, int]:
    """Sessions ended or expired, and finished logout deliveries, older than
    RETENTION_SECONDS (the audit log keeps the history)."""
    cutoff = timezone.now() - timedelta(seconds=keyway_settings.RETENTION_SECONDS)
    return sessions_purge(older_than=cutoff)
