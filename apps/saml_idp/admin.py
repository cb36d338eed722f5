"""Admin pages for the SAML IdP: service providers (from metadata or by hand) and the
signing credentials (read-only: rotate with ``manage.py rotate_saml_credential``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.x509 import certificate_fingerprint, certificate_pem
from apps.saml_idp.models import IdpCredential, ServiceProvider
from apps.saml_idp.processors.metadata import sp_metadata_read
from apps.saml_idp.processors.xml import SamlError, parse
from apps.saml_idp.services import (
    ATTRIBUTE_FIELDS,
    METADATA_MAX_BYTES,
    acs_endpoints_stored,
    sp_metadata_fetch,
)

_FROM_METADATA = (
    "slo_url",
    "slo_response_url",
    "slo_binding",
    "signing_certificate",
    "encryption_certificate",
)


class ServiceProviderForm(forms.ModelForm):
    metadata_file = forms.FileField(
        required=False, help_text="SP metadata XML: fills in the entity ID, endpoints and keys."
    )
    slo_url = forms.URLField(assume_scheme="https", required=False, max_length=2000)
    slo_response_url = forms.URLField(assume_scheme="https", required=False, max_length=2000)
    metadata_url = forms.URLField(assume_scheme="https", required=False, max_length=2000)
    metadata_fetch = forms.URLField(
        assume_scheme="https",
        required=False,
        label="Metadata URL",
        help_text="Fetch the SP metadata from this URL.",
    )

    class Meta:
        model = ServiceProvider
        fields = (
            "name",
            "entity_id",
            "enabled",
            "acs_endpoints",
            "slo_url",
            "slo_response_url",
            "slo_binding",
            "signing_certificate",
            "encryption_certificate",
            "nameid_format",
            "attribute_mapping",
            "sign_assertion",
            "sign_response",
            "encrypt_assertion",
            "allow_idp_initiated",
            "require_signed_requests",
            "metadata_url",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            metadata = None
            if data.get("metadata_file"):
                upload = data["metadata_file"].read(METADATA_MAX_BYTES + 1)
                root = parse(
                    upload, max_bytes=METADATA_MAX_BYTES, schema="saml-schema-metadata-2.0.xsd"
                )
                metadata = sp_metadata_read(root)
            elif data.get("metadata_fetch"):
                metadata, data["metadata_url"] = sp_metadata_fetch(source=data["metadata_fetch"])
        except SamlError as error:
            raise forms.ValidationError(f"Metadata: {error}") from error
        if metadata is not None:
            data["entity_id"] = metadata.entity_id
            data["name"] = data.get("name") or metadata.name or metadata.entity_id
            data["acs_endpoints"] = acs_endpoints_stored(metadata=metadata)
            for name in _FROM_METADATA:
                data[name] = getattr(metadata, name)
            data["require_signed_requests"] = (
                data.get("require_signed_requests") or metadata.authn_requests_signed
            )
            # Filled in from the metadata: "required" errors on them no longer apply.
            for name in ("entity_id", "name", "acs_endpoints", *_FROM_METADATA):
                self.errors.pop(name, None)
        self._check(data)
        return data

    def _check(self, data: dict[str, Any]) -> None:
        for name in ("signing_certificate", "encryption_certificate"):
            if data.get(name):
                try:
                    data[name] = certificate_pem(data[name])
                except ValueError:
                    self.add_error(name, "Not an X.509 certificate (PEM or base64).")
        endpoints = data.get("acs_endpoints") or []
        if not isinstance(endpoints, list) or not all(
            isinstance(e, dict) and urlsplit(str(e.get("url", ""))).scheme in ("https", "http")
            for e in endpoints
        ):
            self.add_error("acs_endpoints", 'A list of {"url", "binding", "index", "is_default"}.')
        mapping = data.get("attribute_mapping") or {}
        if not isinstance(mapping, dict) or any(
            v not in ATTRIBUTE_FIELDS for v in mapping.values()
        ):
            self.add_error(
                "attribute_mapping", f"Map attribute names to one of {', '.join(ATTRIBUTE_FIELDS)}."
            )
        if data.get("encrypt_assertion") and not data.get("encryption_certificate"):
            self.add_error("encrypt_assertion", "Needs an encryption certificate.")
        if data.get("require_signed_requests") and not data.get("signing_certificate"):
            self.add_error("require_signed_requests", "Needs a signing certificate.")
        if not (data.get("sign_assertion") or data.get("sign_response")):
            self.add_error("sign_response", "Sign the response, the assertion, or both.")


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    form = ServiceProviderForm
    list_display = (
        "name",
        "entity_id",
        "enabled",
        "nameid_format",
        "encrypt_assertion",
        "updated_at",
    )
    list_filter = ("enabled", "nameid_format", "encrypt_assertion", "allow_idp_initiated")
    search_fields = ("name", "entity_id")
    readonly_fields = ("signing_fingerprint", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("metadata_file", "metadata_fetch", "name", "entity_id", "enabled")}),
        ("Endpoints", {"fields": ("acs_endpoints", "slo_url", "slo_response_url", "slo_binding")}),
        (
            "Keys",
            {"fields": ("signing_certificate", "signing_fingerprint", "encryption_certificate")},
        ),
        (
            "Assertions",
            {
                "fields": (
                    "nameid_format",
                    "attribute_mapping",
                    "sign_assertion",
                    "sign_response",
                    "encrypt_assertion",
                    "allow_idp_initiated",
                    "require_signed_requests",
                )
            },
        ),
        ("History", {"fields": ("metadata_url", "created_at", "updated_at")}),
    )

    @admin.display(description="Signing certificate SHA-256")
    def signing_fingerprint(self, sp: ServiceProvider) -> str:
        return certificate_fingerprint(sp.signing_certificate) if sp.signing_certificate else "—"

    def save_model(
        self, request: HttpRequest, obj: ServiceProvider, form: Any, change: bool
    ) -> None:
        for name in (
            "entity_id",
            "name",
            "acs_endpoints",
            "metadata_url",
            "require_signed_requests",
            *_FROM_METADATA,
        ):
            if name in form.cleaned_data:
                setattr(obj, name, form.cleaned_data[name])
        super().save_model(request, obj, form, change)
        event_record(
            type="saml.sp_updated" if change else "saml.sp_registered",
            outcome=Outcome.SUCCESS,
            request=request,
            actor_subject=request.user.subject,
            actor_email=request.user.email,
            data={"entity_id": obj.entity_id, "by": "admin"},
        )


@admin.register(IdpCredential)
class IdpCredentialAdmin(admin.ModelAdmin):
    list_display = ("__str__", "active_from", "retired_at", "fingerprint")
    fields = ("certificate", "fingerprint", "active_from", "retired_at", "created_at")
    readonly_fields = fields

    @admin.display(description="SHA-256")
    def fingerprint(self, credential: IdpCredential) -> str:
        return certificate_fingerprint(credential.certificate)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
