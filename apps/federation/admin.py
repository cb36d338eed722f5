"""Admin for upstream identity providers ("sources") and the identities they vouch for."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from apps.common.x509 import certificate_fingerprint
from apps.federation.errors import FederationRejected
from apps.federation.models import Source, SourceKind, UpstreamIdentity, UpstreamSession
from apps.federation.services import saml_metadata_load, source_metadata_apply, source_save


class SourceForm(forms.ModelForm):
    """Metadata (SAML) and the client secret (OIDC) are entered here but stored by the
    service: metadata parsed into endpoints and certificates, the secret encrypted."""

    metadata = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="SAML: the IdP's metadata XML, or its https URL (re-read periodically). "
        "Leave empty to keep the current metadata.",
    )
    discovery_url = forms.URLField(
        required=False,
        max_length=1024,
        assume_scheme="https",
        help_text="OpenID Connect: https://…/.well-known/openid-configuration",
    )
    new_client_secret = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="OpenID Connect: the client secret issued by the provider. Stored "
        "encrypted; leave empty to keep the current one.",
    )

    class Meta:
        model = Source
        fields = [
            "name",
            "slug",
            "kind",
            "enabled",
            "domains",
            "link_rule",
            "attribute_map",
            "default_acr",
            "acr_map",
            "discovery_url",
            "client_id",
            "scopes",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.loaded_metadata = None
        kind = data.get("kind")
        if kind == SourceKind.SAML and data.get("metadata"):
            try:
                self.loaded_metadata = saml_metadata_load(metadata=data["metadata"])
                # Before model validation, which wants the IdP's entity id and endpoints.
                source_metadata_apply(source=self.instance, metadata=self.loaded_metadata)
            except FederationRejected as error:
                self.add_error("metadata", f"Unusable metadata ({error.reason}). {error.detail}")
        elif kind == SourceKind.SAML and not (self.instance.pk and self.instance.idp_entity_id):
            self.add_error("metadata", "A SAML source needs the IdP's metadata.")
        if kind == SourceKind.OIDC and not (data.get("new_client_secret") or self.instance.pk):
            self.add_error("new_client_secret", "An OpenID Connect source needs a client secret.")
        return data


# What the IdP's metadata says and Keyway derived from it: shown, never typed in.
_SAML_READ_ONLY = (
    "sp_metadata_link",
    "idp_entity_id",
    "idp_sso_url",
    "idp_slo_url",
    "signing_certificates",
    "metadata_url",
    "metadata_refreshed_at",
)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = ("name", "slug", "kind", "enabled", "domains", "link_rule", "updated_at")
    list_filter = ("kind", "enabled", "link_rule")
    search_fields = ("name", "slug", "idp_entity_id", "discovery_url")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = _SAML_READ_ONLY
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "enabled", "domains")}),
        ("Accounts", {"fields": ("link_rule", "attribute_map", "default_acr", "acr_map")}),
        (
            "SAML identity provider",
            {"fields": ("metadata", *_SAML_READ_ONLY)},
        ),
        (
            "OpenID Connect provider",
            {"fields": ("discovery_url", "client_id", "new_client_secret", "scopes")},
        ),
    )

    @admin.display(description="Keyway's SP metadata (give this to the IdP)")
    def sp_metadata_link(self, obj: Source) -> str:
        if not obj.pk or obj.kind != SourceKind.SAML:
            return "-"
        url = reverse("federation:saml_metadata", args=[obj.slug])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="Signing certificates (SHA-256)")
    def signing_certificates(self, obj: Source) -> str:
        return ", ".join(certificate_fingerprint(c) for c in obj.idp_certificates or []) or "-"

    def save_model(self, request: HttpRequest, obj: Source, form: SourceForm, change: bool) -> None:
        source_save(
            source=obj,
            metadata=form.loaded_metadata,
            client_secret=form.cleaned_data.get("new_client_secret") or "",
        )


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what upstreams said: deleting an identity unlinks it, nothing is edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UpstreamIdentity)
class UpstreamIdentityAdmin(_ReadOnlyAdmin):
    list_display = ("user", "source", "subject", "last_sign_in_at", "created_at")
    list_filter = ("source",)
    search_fields = ("subject", "user__email")
    list_select_related = ("user", "source")


@admin.register(UpstreamSession)
class UpstreamSessionAdmin(_ReadOnlyAdmin):
    list_display = ("sid", "source", "subject", "session_index", "created_at")
    list_filter = ("source",)
    search_fields = ("=sid", "subject")
    list_select_related = ("source",)
    exclude = ("id_token",)
