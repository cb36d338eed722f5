"""Keyway as a SAML 2.0 identity provider: its signing credentials, the service providers
it signs people in to, and the persistent pseudonyms it gives each of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdpCredential(models.Model):
    """An RSA key and its self-signed certificate, published in the IdP metadata.

    Lifecycle as for OIDC signing keys: a new credential is published at once (SPs that
    refresh metadata learn it) and signs from ``active_from``; the previous one stays
    published until ``retired_at``. The private key is encrypted at rest
    (``apps.common.crypto``).
    """

    private_key_encrypted = models.BinaryField()
    certificate = models.TextField(help_text="PEM")
    created_at = models.DateTimeField(auto_now_add=True)
    active_from = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-active_from", "-id"]

    def __str__(self) -> str:
        return f"SAML signing credential from {self.active_from:%Y-%m-%d %H:%M}"


class NameIdFormat(models.TextChoices):
    """SAML Core 8.3: the NameID formats Keyway issues."""

    EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", "Email address"
    PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "Persistent (pairwise)"
    TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "Transient"


class Binding(models.TextChoices):
    """SAML Bindings: the ones Keyway speaks."""

    REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", "HTTP-Redirect"
    POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", "HTTP-POST"
    SOAP = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP", "SOAP"


class ServiceProvider(models.Model):
    """A SAML service provider, registered from its metadata or by hand.

    ``acs_endpoints``: ``[{"url", "binding", "index", "is_default"}]`` from the SP's
    AssertionConsumerService elements. ``attribute_mapping``: SAML attribute name → user
    field (``email``, ``given_name``, ``family_name``, ``name``, ``groups``, ``subject``).
    """

    entity_id = models.CharField(max_length=1024, unique=True)
    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    acs_endpoints = models.JSONField(default=list)
    slo_url = models.URLField(max_length=2000, blank=True)
    slo_response_url = models.URLField(max_length=2000, blank=True)
    slo_binding = models.CharField(max_length=128, choices=Binding.choices, blank=True)
    signing_certificate = models.TextField(blank=True, help_text="PEM, verifies its requests")
    encryption_certificate = models.TextField(blank=True, help_text="PEM, encrypts assertions")
    nameid_format = models.CharField(
        max_length=128, choices=NameIdFormat.choices, default=NameIdFormat.EMAIL
    )
    attribute_mapping = models.JSONField(default=dict, blank=True)
    sign_assertion = models.BooleanField(default=True)
    sign_response = models.BooleanField(default=True)
    encrypt_assertion = models.BooleanField(default=False)
    allow_idp_initiated = models.BooleanField(default=False)
    require_signed_requests = models.BooleanField(
        default=False, help_text="Refuse AuthnRequests and LogoutRequests that are not signed"
    )
    metadata_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "SAML service provider"

    def __str__(self) -> str:
        return self.name or self.entity_id


class PersistentNameId(models.Model):
    """A pairwise pseudonym (SAML Core 8.3.7): stable for one person at one SP, different
    at every SP, revealing nothing about the person. Random, so stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    service_provider = models.ForeignKey(ServiceProvider, on_delete=models.CASCADE)
    value = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service_provider"], name="saml_persistent_id_per_sp"
            ),
            models.UniqueConstraint(
                fields=["service_provider", "value"], name="saml_persistent_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.service_provider}"
