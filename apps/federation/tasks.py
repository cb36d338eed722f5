"""Periodic work for federation (Celery beat, see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from apps.federation.services import saml_metadata_refresh_due


@shared_task(name="federation.saml_metadata_refresh_all")
def saml_metadata_refresh_all() -> int:
    """Re-read URL metadata of SAML sources not refreshed within
    FEDERATION_METADATA_REFRESH_SECONDS: new signing certificates (rollover) take effect,
    retired ones stop verifying."""
    return saml_metadata_refresh_due()
