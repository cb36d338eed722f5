"""Upstream identity providers ("sources") and the identities and sessions they vouch for."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import models


class SourceKind(models.TextChoices):
    SAML = "saml", "SAML 2.0 identity provider"
    OIDC = "oidc", "OpenID Connect provider"


class LinkRule(models.TextChoices):
    """When a first sign-in through a source may take over an existing local account.

    Never by an unverified email: an upstream that lets people type any address would
    otherwise hand out every Keyway account with that address.
    """

    NEVER = "never", "Never: a clashing email is refused"
    VERIFIED_EMAIL = (
        "verified_email",
        ("A verified email (in the source's domains, when it has any) links to the account"),
    )


class Source(models.Model):
    """One upstream IdP. SAML fields are used when ``kind`` is saml, OIDC ones otherwise."""

    name = models.CharField(max_length=100, unique=True, help_text="Shown on the sign-in page.")
    slug = models.SlugField(max_length=50, unique=True, validators=[validate_slug])
    kind = models.CharField(max_length=8, choices=SourceKind.choices)
    enabled = models.BooleanField(default=True)
    domains = models.JSONField(
        default=list,
        blank=True,
        help_text="Email domains sent to this source by home-realm discovery.",
    )
    link_rule = models.CharField(max_length=20, choices=LinkRule.choices, default=LinkRule.NEVER)
    attribute_map = models.JSONField(
        default=dict,
        blank=True,
        help_text='Keyway field -> upstream claim/attribute, e.g. {"email": "mail", '
        '"groups": "memberOf"}; "email_verified": true trusts every email of this source.',
    )
    default_acr = models.CharField(
        max_length=255,
        default="urn:keyway:acr:password",
        help_text="Keyway acr of a sign-in through this source, unless acr_map maps the "
        "upstream's authentication context.",
    )
    acr_map = models.JSONField(default=dict, blank=True, help_text="Upstream acr -> Keyway acr.")

    # --- SAML -------------------------------------------------------------------------
    idp_entity_id = models.CharField(max_length=1024, blank=True)
    idp_sso_url = models.URLField(max_length=1024, blank=True)
    idp_slo_url = models.URLField(max_length=1024, blank=True)
    idp_certificates = models.JSONField(
        default=list, blank=True, help_text="Signing certificates (base64 DER), from metadata."
    )
    metadata_url = models.URLField(max_length=1024, blank=True)
    metadata_xml = models.TextField(blank=True)
    metadata_refreshed_at = models.DateTimeField(null=True, blank=True)
    sp_private_key = models.BinaryField(blank=True, default=b"", editable=False)
    sp_certificate = models.TextField(blank=True, editable=False)

    # --- OpenID Connect ----------------------------------------------------------------
    discovery_url = models.URLField(max_length=1024, blank=True)
    client_id = models.CharField(max_length=255, blank=True)
    client_secret = models.BinaryField(blank=True, default=b"", editable=False)
    scopes = models.CharField(max_length=255, default="openid email profile", blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.domains = sorted(
            {str(d).strip().lower() for d in self.domains or [] if str(d).strip()}
        )
        # Home-realm discovery needs one answer per domain.
        others = Source.objects.exclude(pk=self.pk).values_list("name", "domains")
        for other_name, other_domains in others:
            shared = sorted(set(self.domains) & set(other_domains or []))
            if shared:
                raise ValidationError(
                    {"domains": f"{', '.join(shared)} already sign(s) in at {other_name}."}
                )
        if self.kind == SourceKind.SAML and not (self.idp_entity_id and self.idp_sso_url):
            raise ValidationError("A SAML source needs IdP metadata (entity id and SSO URL).")
        if self.kind == SourceKind.OIDC and not (self.discovery_url and self.client_id):
            raise ValidationError("An OpenID Connect source needs a discovery URL and client id.")


class UpstreamIdentity(models.Model):
    """Who a person is at a source: (source, subject) -> Keyway user.

    ``subject`` is the OIDC ``sub`` (unique per issuer) or the SAML NameID.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=512)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upstream_identities"
    )
    # Groups granted by this source at the last sign-in: removed when the source stops
    # sending them, while groups given in Keyway itself are left alone.
    groups = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "subject"], name="federation_identity_unique")
        ]
        verbose_name_plural = "upstream identities"

    def __str__(self) -> str:
        return f"{self.source.slug}:{self.subject}"


class UpstreamSession(models.Model):
    """Ties a Keyway sign-on session (``sid``) to the upstream session it came from, for
    Single Logout in both directions."""

    sid = models.CharField(max_length=64, db_index=True)
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="sessions")
    subject = models.CharField(max_length=512)
    name_id_format = models.CharField(max_length=255, blank=True)
    session_index = models.CharField(max_length=255, blank=True)
    # The upstream OIDC ID token, sent back as id_token_hint on RP-initiated logout.
    id_token = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["source", "subject"])]

    def __str__(self) -> str:
        return f"{self.source.slug}:{self.subject} ({self.sid})"
