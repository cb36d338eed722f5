"""Keyway as an OpenID Provider: clients, signing keys, consents and authorizations.

Tokens (access, refresh, ID) and authorization codes are django-oauth-toolkit's own
models; ``Client`` replaces its Application (``OAUTH2_PROVIDER_APPLICATION_MODEL``).
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from oauth2_provider.models import AbstractApplication

from apps.common.conf import keyway_settings

# Grant types a client may be registered for. Implicit and the resource-owner password
# grant are deliberately absent (RFC 9700 section 2.1.2 and 2.4).
GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_REFRESH_TOKEN = "refresh_token"
GRANT_CLIENT_CREDENTIALS = "client_credentials"
GRANT_TYPES = (GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN, GRANT_CLIENT_CREDENTIALS)

# DOT names grant types its own way; map its names onto ours for allows_grant_type().
_DOT_GRANT_NAMES = {
    AbstractApplication.GRANT_AUTHORIZATION_CODE: GRANT_AUTHORIZATION_CODE,
    AbstractApplication.GRANT_CLIENT_CREDENTIALS: GRANT_CLIENT_CREDENTIALS,
}

_LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


def redirect_uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be registered as a redirect URI, or None.

    RFC 6749 section 3.1.2: absolute, no fragment. RFC 9700 section 2.6 / RFC 8252
    section 8.3: plain http only for loopback addresses.
    """
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc:
        return "must be an absolute URI"
    if "#" in uri:
        return "must not contain a fragment"
    if parts.username or parts.password:
        return "must not contain credentials"
    if any(ch.isspace() for ch in uri):
        return "must not contain spaces"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return None
    return "must use https (plain http only for loopback addresses)"


class TokenEndpointAuthMethod(models.TextChoices):
    CLIENT_SECRET_BASIC = "client_secret_basic"
    CLIENT_SECRET_POST = "client_secret_post"
    NONE = "none"


def default_auth_method(client_type: str) -> str:
    """RFC 7591 section 2: ``client_secret_basic`` unless the client has no secret."""
    if client_type == AbstractApplication.CLIENT_PUBLIC:
        return TokenEndpointAuthMethod.NONE
    return TokenEndpointAuthMethod.CLIENT_SECRET_BASIC


class SigningAlgorithm(models.TextChoices):
    RS256 = "RS256"
    ES256 = "ES256"


class Client(AbstractApplication):
    """A relying party. ``client_secret`` is stored hashed (see ``hashers``)."""

    algorithm = models.CharField(
        max_length=5,
        choices=SigningAlgorithm.choices,
        default=SigningAlgorithm.RS256,
        help_text="How ID tokens for this client are signed.",
    )
    grant_types = models.JSONField(default=list, blank=True)
    allowed_scopes = models.JSONField(
        default=list, blank=True, help_text="Scopes this client may request."
    )
    token_endpoint_auth_method = models.CharField(
        max_length=32,
        choices=TokenEndpointAuthMethod.choices,
        default=TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
    )
    is_active = models.BooleanField(default=True, help_text="Inactive clients get invalid_client.")
    may_introspect = models.BooleanField(
        default=False,
        help_text="A resource server: may introspect tokens issued to other clients.",
    )
    backchannel_logout_uri = models.URLField(max_length=2000, blank=True)
    backchannel_logout_session_required = models.BooleanField(default=True)
    frontchannel_logout_uri = models.URLField(max_length=2000, blank=True)
    frontchannel_logout_session_required = models.BooleanField(default=True)
    # Per-client session policy, stricter than the global one (None: the global policy).
    session_max_age = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Seconds since sign-in after which this client makes the person sign in again.",
    )
    session_idle_timeout = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Seconds of inactivity after which this client makes the person sign in again.",
    )
    required_acr = models.CharField(
        max_length=255,
        blank=True,
        help_text="Authentication context class this client "
        "requires; weaker sessions must step up.",
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    def natural_key(self) -> tuple[str]:
        return (self.client_id,)

    @property
    def is_public(self) -> bool:
        return self.client_type == self.CLIENT_PUBLIC

    @property
    def skip_consent(self) -> bool:
        """First-party clients skip the consent page (DOT calls it skip_authorization)."""
        return self.skip_authorization

    def allows_grant_type(self, *grant_types: str) -> bool:
        names = {_DOT_GRANT_NAMES.get(g, g) for g in grant_types}
        return bool(names & set(self.grant_types))

    def redirect_uri_allowed(self, uri: str) -> bool:
        """Simple string comparison (OIDC Core 3.1.2.1, RFC 9700 section 4.1.3)."""
        return uri in self.redirect_uris.split()

    def post_logout_redirect_uri_allowed(self, uri: str) -> bool:
        return uri in self.post_logout_redirect_uris.split()

    def is_usable(self, request: object) -> bool:
        return self.is_active

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        unknown = set(self.grant_types) - set(GRANT_TYPES)
        if unknown:
            errors.setdefault("grant_types", []).append(
                f"Unsupported grant types: {', '.join(sorted(unknown))}."
            )
        uses_code = GRANT_AUTHORIZATION_CODE in self.grant_types
        # DOT's own field mirrors the primary grant for its admin and checks.
        self.authorization_grant_type = (
            AbstractApplication.GRANT_AUTHORIZATION_CODE
            if uses_code
            else AbstractApplication.GRANT_CLIENT_CREDENTIALS
        )
        if uses_code and not self.redirect_uris.split():
            errors.setdefault("redirect_uris", []).append(
                "The authorization_code grant needs at least one redirect URI."
            )
        for field in ("redirect_uris", "post_logout_redirect_uris"):
            for uri in getattr(self, field).split():
                problem = redirect_uri_problem(uri)
                if problem:
                    errors.setdefault(field, []).append(f"{uri}: {problem}.")
        # Front-Channel Logout 1.0 section 2 and Back-Channel Logout 1.0 section 2.2: the
        # logout URIs follow the same rules as redirect URIs.
        for field in ("frontchannel_logout_uri", "backchannel_logout_uri"):
            uri = getattr(self, field)
            problem = redirect_uri_problem(uri) if uri else None
            if problem:
                errors.setdefault(field, []).append(f"{uri}: {problem}.")
        if self.required_acr and self.required_acr not in keyway_settings.ACR_LEVELS:
            errors.setdefault("required_acr", []).append(
                f"Unknown authentication context class; use one of "
                f"{', '.join(keyway_settings.ACR_LEVELS)}."
            )
        if self.is_public:
            if self.token_endpoint_auth_method != TokenEndpointAuthMethod.NONE:
                errors.setdefault("token_endpoint_auth_method", []).append(
                    "Public clients have no secret: use 'none'."
                )
            if GRANT_CLIENT_CREDENTIALS in self.grant_types:
                errors.setdefault("grant_types", []).append(
                    "Public clients cannot use client_credentials."
                )
        elif self.token_endpoint_auth_method == TokenEndpointAuthMethod.NONE:
            errors.setdefault("token_endpoint_auth_method", []).append(
                "Confidential clients must authenticate."
            )
        if errors:
            raise ValidationError(errors)


class SigningKey(models.Model):
    """A key that signs JWTs (ID tokens, logout tokens).

    Its life is read from timestamps, not flags: published from ``created_at``; signs
    from ``active_from`` (later than creation, so relying parties have fetched it first);
    superseded when a newer key of the same algorithm becomes active; unpublished once
    every token it signed has expired. The private key is encrypted at rest.
    """

    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=5, choices=SigningAlgorithm.choices)
    private_key_encrypted = models.BinaryField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    active_from = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["algorithm", "-active_from"]

    def __str__(self) -> str:
        return f"{self.algorithm} {self.kid}"


class Consent(models.Model):
    """The scopes a person allowed a client; asked again only for scopes beyond these."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_consents"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="oidc_consent_user_client")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.client}"


class Authorization(models.Model):
    """One authorization code and everything issued from it.

    Created with the code; records the sign-on context the ID tokens must carry
    (``sid``, ``auth_time``, ``acr``, ``amr``), and on redemption which refresh-token
    family and access token came from it, so that a replayed code can revoke them
    (RFC 6749 section 4.1.2) and refreshed ID tokens keep the original ``auth_time``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="authorizations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_authorizations"
    )
    code_checksum = models.CharField(max_length=64, unique=True)
    scope = models.TextField(blank=True)
    sid = models.CharField(max_length=64, blank=True, db_index=True)
    auth_time = models.DateTimeField()
    acr = models.CharField(max_length=255, blank=True)
    amr = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    refresh_token_family = models.UUIDField(null=True, blank=True, db_index=True)
    access_token_id = models.BigIntegerField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.client} for {self.user} at {self.created_at:%Y-%m-%d %H:%M}"
