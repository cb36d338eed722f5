"""What signing out means for OAuth tokens (registered with apps.sso_sessions.fanout).

- A sign-on session ends (sign-out, RP-initiated logout, an administrator, a timeout): the
  refresh tokens issued from that session are revoked, with their access tokens — except
  those granted with ``offline_access``, which by OIDC Core section 11 are meant to outlive
  the sign-in (back-channel logout 1.0 section 2.7 leaves them alone too).
- Universal logout or global token revocation: every access and refresh token of the user
  is revoked, ``offline_access`` included, and every client that held one is told.
"""

from __future__ import annotations

from django.db import transaction
from oauth2_provider.models import (
    get_access_token_model,
    get_refresh_token_model,
    revoke_access_token,
)

from apps.oidc_provider.models import Authorization
from apps.oidc_provider.services import authorizations_revoke
from apps.sso_sessions.models import ParticipantKind

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def session_tokens_revoke(session: object, reason: str) -> None:
    """Session end: revoke what was issued from it, offline_access excepted."""
    authorizations = [
        a
        for a in Authorization.objects.filter(sid=session.sid, revoked_at__isnull=True)
        if "offline_access" not in a.scope.split()
    ]
    with transaction.atomic():
        authorizations_revoke(authorizations=authorizations)


def user_tokens_revoke(user: object, reason: str) -> dict[str, set[str]]:
    """Universal logout: revoke everything; answer which clients held anything."""
    with transaction.atomic():
        holders = set(
            Authorization.objects.filter(user=user, revoked_at__isnull=True).values_list(
                "client__client_id", flat=True
            )
        )
        holders |= set(
            AccessToken.objects.filter(user=user).values_list("application__client_id", flat=True)
        )
        holders |= set(
            RefreshToken.objects.filter(user=user, revoked__isnull=True).values_list(
                "application__client_id", flat=True
            )
        )
        authorizations_revoke(
            authorizations=list(Authorization.objects.filter(user=user, revoked_at__isnull=True))
        )
        for token in AccessToken.objects.filter(user=user):
            revoke_access_token(token)
        for refresh in RefreshToken.objects.filter(user=user, revoked__isnull=True):
            refresh.revoke()
    holders.discard(None)
    return {ParticipantKind.OIDC: holders} if holders else {}
