"""Writes for the OpenID Provider: authorizations, consents, revocations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_refresh_token_model,
    revoke_access_token,
)

from apps.accounts.authn import AuthContext
from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.oidc_provider.models import Authorization, Client, Consent

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def authorization_create(
    *, client: Client, user: object, code_checksum: str, scope: str, auth_context: AuthContext
) -> Authorization:
    return Authorization.objects.create(
        client=client,
        user=user,
        code_checksum=code_checksum,
        scope=scope,
        sid=auth_context.sid,
        auth_time=datetime.fromtimestamp(auth_context.auth_time, tz=UTC),
        acr=auth_context.acr,
        amr=list(auth_context.amr),
    )


def authorization_redeem(*, authorization: Authorization) -> bool:
    """Spend the code, once: False if it was already spent (a replay or a race)."""
    updated = Authorization.objects.filter(pk=authorization.pk, redeemed_at__isnull=True).update(
        redeemed_at=timezone.now()
    )
    return updated == 1


def authorization_tokens_record(
    *,
    authorization: Authorization,
    refresh_token_family: uuid.UUID | None,
    access_token_id: int | None,
) -> None:
    """Remember what the code produced, so that a replay can revoke it."""
    Authorization.objects.filter(pk=authorization.pk).update(
        refresh_token_family=refresh_token_family, access_token_id=access_token_id
    )
    authorization.refresh_token_family = refresh_token_family
    authorization.access_token_id = access_token_id


def authorizations_revoke(*, authorizations: Iterable[Authorization]) -> None:
    """Revoke everything these authorizations produced: their refresh-token families and
    first access tokens, in one place for replays, logouts and "Connected apps"."""
    revoked = []
    for authorization in authorizations:
        if authorization.refresh_token_family:
            RefreshToken.revoke_family(authorization.refresh_token_family)
        if authorization.access_token_id:
            token = AccessToken.objects.filter(pk=authorization.access_token_id).first()
            if token is not None:
                revoke_access_token(token)
        revoked.append(authorization.pk)
    Authorization.objects.filter(pk__in=revoked, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def authorization_revoke_replayed(*, authorization: Authorization) -> None:
    """RFC 6749 section 4.1.2 / 10.5: a replayed code revokes what it produced."""
    with transaction.atomic():
        authorizations_revoke(authorizations=[authorization])
    event_record(
        type="oidc.code_replayed",
        outcome=Outcome.DENIED,
        actor_subject=authorization.user.subject,
        actor_email=authorization.user.email,
        data={"client_id": authorization.client.client_id, "authorization": str(authorization.pk)},
    )


def consent_grant(*, user: object, client: Client, scopes: Iterable[str]) -> Consent:
    """Remember that this person allowed ``scopes`` (added to what they allowed before)."""
    with transaction.atomic():
        consent, _ = Consent.objects.select_for_update().get_or_create(
            user=user, client=client, defaults={"scopes": []}
        )
        consent.scopes = sorted(set(consent.scopes) | set(scopes))
        consent.save(update_fields=["scopes", "updated_at"])
    event_record(
        type="oidc.consent_granted",
        outcome=Outcome.SUCCESS,
        actor_subject=user.subject,
        actor_email=user.email,
        data={"client_id": client.client_id, "scopes": consent.scopes},
    )
    return consent


def client_access_revoke(*, user: object, client: Client) -> int:
    """ "Connected apps": forget the consent and revoke every token the client holds for
    this person. Returns how many authorizations were revoked."""
    with transaction.atomic():
        Consent.objects.filter(user=user, client=client).delete()
        authorizations = list(
            Authorization.objects.filter(user=user, client=client, revoked_at__isnull=True)
        )
        authorizations_revoke(authorizations=authorizations)
        for token in AccessToken.objects.filter(user=user, application=client):
            revoke_access_token(token)
        for refresh in RefreshToken.objects.filter(
            user=user, application=client, revoked__isnull=True
        ):
            refresh.revoke()
    event_record(
        type="oidc.client_access_revoked",
        outcome=Outcome.SUCCESS,
        actor_subject=user.subject,
        actor_email=user.email,
        data={"client_id": client.client_id, "authorizations": len(authorizations)},
    )
    return len(authorizations)
