"""Celery beat tasks of the SAML IdP (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.common.conf import keyway_settings
from apps.saml_idp.credentials import credentials_cache_clear
from apps.saml_idp.selectors import credential_newest
from apps.saml_idp.services import credential_rotate


@shared_task(name="saml_idp.credential_rotate_due")
def credential_rotate_due_task() -> int | None:
    """Rotate the signing credential once the newest is SAML_CREDENTIAL_ROTATION_DAYS old
    (0, the default: never; SPs that do not re-read metadata would reject the new key).
    Without any credential nothing happens: the first one is made on first use."""
    days = keyway_settings.SAML_CREDENTIAL_ROTATION_DAYS
    newest = credential_newest()
    if not days or newest is None or newest.created_at > timezone.now() - timedelta(days=days):
        return None
    credential = credential_rotate()
    credentials_cache_clear()
    return credential.pk
