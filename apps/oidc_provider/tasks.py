"""Celery beat tasks of the OpenID Provider (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.common.conf import keyway_settings
from apps.oidc_provider.housekeeping_services import signing_keys_rotate_due, tokens_purge


@shared_task(name="oidc_provider.tokens_purge")
def tokens_purge_task() -> dict[str, int]:
    """Expired tokens and codes; spent authorizations older than RETENTION_SECONDS."""
    cutoff = timezone.now() - timedelta(seconds=keyway_settings.RETENTION_SECONDS)
    return tokens_purge(older_than=cutoff)


@shared_task(name="oidc_provider.signing_keys_rotate_due")
def signing_keys_rotate_due_task() -> list[str]:
    """Rotate keys older than SIGNING_KEY_ROTATION_DAYS (0: never) and prune old ones."""
    days = keyway_settings.SIGNING_KEY_ROTATION_DAYS
    if not days:
        return []
    return [key.kid for key in signing_keys_rotate_due(every_days=days)]
