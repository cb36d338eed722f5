"""Reads for the OpenID Provider."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_refresh_token_model,
    refresh_token_expire_timedelta,
)
from oauth2_provider.settings import oauth2_settings

from apps.accounts.selectors import user_get_by_email, user_get_by_subject, user_group_names
from apps.oidc_provider.models import Authorization, Client, Consent
from apps.oidc_provider.oauth import issuer
from apps.oidc_provider.protocol.claims import UserClaims
from apps.oidc_provider.protocol.global_token_revocation import SubjectIdentifier

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def client_by_id(*, client_id: str) -> Client | None:
    return Client.objects.filter(client_id=client_id).first()


def authorization_by_code(*, checksum: str) -> Authorization | None:
    return Authorization.objects.filter(code_checksum=checksum).first()


def authorization_by_refresh_family(*, family: uuid.UUID | None) -> Authorization | None:
    if family is None:
        return None
    return Authorization.objects.filter(refresh_token_family=family).first()


def consent_covers(*, user: object, client: Client, scopes: Iterable[str]) -> bool:
    """Has this person already allowed this client every one of ``scopes``?"""
    granted = Consent.objects.filter(user=user, client=client).values_list("scopes", flat=True)
    first = granted.first()
    return first is not None and set(scopes) <= set(first)


@dataclass(frozen=True)
class ConnectedApp:
    client: Client
    scopes: list[str]
    since: datetime


def connected_apps(*, user: object) -> list[ConnectedApp]:
    """Clients this person allowed, or that still hold an authorization for them."""
    apps: dict[int, ConnectedApp] = {}
    for consent in Consent.objects.filter(user=user).select_related("client"):
        apps[consent.client_id] = ConnectedApp(consent.client, consent.scopes, consent.created_at)
    live = Authorization.objects.filter(user=user, revoked_at__isnull=True).select_related("client")
    for authorization in live.order_by("created_at"):
        apps.setdefault(
            authorization.client_id,
            ConnectedApp(
                authorization.client, authorization.scope.split(), authorization.created_at
            ),
        )
    return sorted(apps.values(), key=lambda app: app.client.name or app.client.client_id)


def user_claims(*, user: object, scopes: Iterable[str]) -> UserClaims:
    """The person's claims as plain data; group names are read only when asked for."""
    return UserClaims(
        sub=str(user.subject),
        name=user.name if (user.display_name or user.given_name or user.family_name) else "",
        given_name=user.given_name,
        family_name=user.family_name,
        preferred_username=user.email,
        email=user.email,
        email_verified=user.email_verified,
        updated_at=int(user.updated_at.timestamp()) if user.updated_at else None,
        groups=tuple(user_group_names(user=user)) if "groups" in set(scopes) else (),
    )


def _checksum(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_introspect(*, token: str, token_type_hint: str | None, client: Client) -> dict | None:
    """RFC 7662 section 2.2 claims for an active token the caller may see, else None.

    A client sees its own tokens; a resource server (``may_introspect``) sees all. For
    anything else the answer is the same as for an unknown token (section 2.2: the
    server SHOULD NOT reveal more than ``active: false``).
    """
    if not token or len(token) > 2048:
        return None
    checksum = _checksum(token)
    lookups = [_access_token_claims, _refresh_token_claims]
    if token_type_hint == "refresh_token":
        lookups.reverse()
    for lookup in lookups:
        claims = lookup(checksum, client)
        if claims is not None:
            return claims
    return None


def _visible_to(token_client: Client | None, client: Client) -> bool:
    return token_client is not None and (token_client.pk == client.pk or client.may_introspect)


def _common_claims(token: object) -> dict:
    claims: dict = {
        "scope": token.scope if hasattr(token, "scope") else "",
        "client_id": token.application.client_id,
        "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
        "iat": int(token.created.timestamp()),
    }
    if token.user is not None:
        claims["sub"] = str(token.user.subject)
        claims["username"] = token.user.email
    return claims


def _access_token_claims(checksum: str, client: Client) -> dict | None:
    token = (
        AccessToken.objects.select_related("application", "user")
        .filter(token_checksum=checksum)
        .first()
    )
    if token is None or token.is_expired() or not _visible_to(token.application, client):
        return None
    if token.user is not None and not token.user.is_active:
        return None
    claims = _common_claims(token)
    claims.update(
        token_type="Bearer",
        exp=int(token.expires.timestamp()),
        aud=token.resource or token.application.client_id,
    )
    return claims


def _refresh_token_claims(checksum: str, client: Client) -> dict | None:
    token = (
        RefreshToken.objects.select_related("application", "user", "access_token")
        .filter(token_checksum=checksum, revoked__isnull=True)
        .first()
    )
    if token is None or not _visible_to(token.application, client):
        return None
    if token.access_token is None or not token.user.is_active:
        return None
    # DOT expires a refresh token REFRESH_TOKEN_EXPIRE_SECONDS after its access token.
    exp = token.access_token.expires + refresh_token_expire_timedelta()
    if exp <= timezone.now():
        return None
    claims = _common_claims(token)
    claims.update(
        scope=token.access_token.scope, token_type="refresh_token", exp=int(exp.timestamp())
    )
    return claims


def user_by_subject_identifier(*, subject: SubjectIdentifier) -> Any | None:
    """The Keyway account the identifier names, or None.

    ``email``: compared case-insensitively, as at sign-in. ``iss_sub``: only Keyway's own
    issuer (compared as a plain string, like every issuer identifier: OIDC Core 2 and
    RFC 8414 section 3.3) with the person's public subject exactly as ID tokens carry it.
    """
    if subject.format == "email":
        return user_get_by_email(email=subject.email)
    if subject.iss != issuer():
        # TODO(federation): an upstream identity provider names the person by *its* issuer
        # and *its* sub. Resolving those needs the account links that inbound federation
        # will record; until then such an identifier matches nobody here and gets the same
        # 404 as any unknown subject (section 3.4.2), never a different answer.
        return None
    try:
        parsed = uuid.UUID(subject.sub)
    except ValueError:
        return None
    if str(parsed) != subject.sub:  # e.g. upper case or braces: not the sub Keyway issued
        return None
    return user_get_by_subject(subject=parsed)


@dataclass(frozen=True)
class BearerGrant:
    """What a presented access token grants, as a resource server needs it (RFC 6750).

    ``scopes`` are the token's scopes that the client is *still* registered for, so an
    administrator removing a scope from a client takes effect on tokens already issued.
    ``user_subject`` is None for a client-credentials token (RFC 6749 section 4.4: the
    client acts on its own behalf), else the person the token was issued for.
    """

    client_id: str
    scopes: frozenset[str]
    user_subject: uuid.UUID | None


def bearer_grant(*, token: str) -> BearerGrant | None:
    """The live grant behind an access token, or None (unknown, expired, revoked, or its
    client or person deactivated). Tokens are looked up by checksum (RFC 9700 storage)."""
    if not token or len(token) > 2048:
        return None
    row = (
        AccessToken.objects.select_related("application", "user")
        .filter(token_checksum=_checksum(token))
        .first()
    )
    if row is None or row.is_expired() or row.application is None:
        return None
    client = row.application
    if not client.is_active or (row.user is not None and not row.user.is_active):
        return None
    return BearerGrant(
        client_id=client.client_id,
        scopes=frozenset(row.scope.split()) & frozenset(client.allowed_scopes),
        user_subject=row.user.subject if row.user is not None else None,
    )


def clients_list(*, is_active: bool | None = None, client_type: str | None = None):
    """Registered clients, oldest first."""
    clients = Client.objects.order_by("id")
    if is_active is not None:
        clients = clients.filter(is_active=is_active)
    if client_type:
        clients = clients.filter(client_type=client_type)
    return clients
