"""Sign-on sessions: one per browser sign-in, shared by every application it reaches."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EndReason(models.TextChoices):
    SIGN_OUT = "sign_out", "Signed out"
    RP_LOGOUT = "rp_logout", "Signed out by an application"
    USER_ENDED = "user_ended", "Ended by the user from another device"
    ADMIN = "admin", "Ended by an administrator"
    UNIVERSAL_LOGOUT = "universal_logout", "Universal logout"
    GLOBAL_TOKEN_REVOCATION = "global_token_revocation", "Revoked by an upstream provider"
    UPSTREAM_LOGOUT = "upstream_logout", "Signed out by the upstream identity provider"
    IDLE_TIMEOUT = "idle_timeout", "Idle timeout"
    ABSOLUTE_TIMEOUT = "absolute_timeout", "Maximum lifetime reached"
    REPLACED = "replaced", "Replaced by a new sign-in"


class SignOnSession(models.Model):
    """``sid`` is public (it goes into ID and logout tokens); the primary key is not."""

    sid = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_on_sessions"
    )
    auth_time = models.DateTimeField()
    amr = models.JSONField(default=list)
    acr = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField()
    idle_expires_at = models.DateTimeField()
    absolute_expires_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, db_index=True)
    end_reason = models.CharField(max_length=32, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["-last_activity_at"]
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class ParticipantKind(models.TextChoices):
    OIDC = "oidc", "OpenID Connect client"
    SAML = "saml", "SAML service provider"


class Participant(models.Model):
    """An application the session reached. OIDC clients by client_id; SAML service
    providers by entity ID with the SessionIndex and NameID they were given."""

    session = models.ForeignKey(
        SignOnSession, on_delete=models.CASCADE, related_name="participants"
    )
    kind = models.CharField(max_length=8, choices=ParticipantKind.choices)
    # client_id for OIDC, entity ID for SAML.
    party_id = models.CharField(max_length=1024)
    session_index = models.CharField(max_length=255, blank=True)
    name_id = models.CharField(max_length=1024, blank=True)
    name_id_format = models.CharField(max_length=255, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "kind", "party_id"], name="sso_participant_once_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.party_id}"


class DeliveryChannel(models.TextChoices):
    BACKCHANNEL = "backchannel", "OIDC back-channel"
    SAML_SLO = "saml_slo", "SAML Single Logout"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class LogoutDelivery(models.Model):
    """One logout notification to one application, with every attempt's outcome."""

    session = models.ForeignKey(
        SignOnSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="logout_deliveries",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="logout_deliveries"
    )
    channel = models.CharField(max_length=16, choices=DeliveryChannel.choices)
    party_id = models.CharField(max_length=1024)
    target_url = models.URLField(max_length=2000)
    sid = models.CharField(max_length=64, blank=True)
    jti = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=32, choices=EndReason.choices)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.channel} to {self.party_id}: {self.status}"
