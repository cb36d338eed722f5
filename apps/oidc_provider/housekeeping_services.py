"""Scheduled upkeep of the OpenID Provider's rows and keys (run by Celery beat)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import clear_expired, get_refresh_token_model

from apps.oidc_provider.key_services import signing_keys_prune, signing_keys_rotate
from apps.oidc_provider.models import Authorization, SigningKey


def tokens_purge(*, older_than: datetime) -> dict[str, int]:
    """Delete what can no longer be used.

    django-oauth-toolkit's ``clear_expired`` removes expired access tokens, ID tokens and
    grants (codes), and revoked refresh tokens once they have expired (with reuse
    protection on, a rotated token is kept until then: presenting it must still revoke its
    family). Keyway's ``Authorization`` rows (one per code) are kept while any refresh
    token of their family exists, since refreshed ID tokens read ``auth_time`` from them,
    and otherwise until ``older_than``.
    """
    clear_expired()
    live_families = get_refresh_token_model().objects.filter(token_family__isnull=False)
    spent = Authorization.objects.filter(created_at__lt=older_than).exclude(
        refresh_token_family__in=live_families.values("token_family")
    )
    with transaction.atomic():
        authorizations, _ = spent.delete()
    return {"authorizations": authorizations}


def signing_keys_rotate_due(*, every_days: int, now: datetime | None = None) -> list[SigningKey]:
    """Rotate each algorithm whose newest key was created ``every_days`` ago or more,
    then prune unpublished keys. Algorithms without any key are left to the operator's
    first ``rotate_signing_keys`` (or the signing code's bootstrap)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=every_days)
    newest: dict[str, datetime] = {}
    for algorithm, created in SigningKey.objects.values_list("algorithm", "created_at"):
        newest[algorithm] = max(created, newest.get(algorithm, created))
    due = sorted(algorithm for algorithm, created in newest.items() if created <= cutoff)
    # Both record their own audit events (signing_key.rotated, signing_key.pruned).
    created_keys = signing_keys_rotate(algorithms=due) if due else []
    signing_keys_prune(now=now)
    return created_keys
