from __future__ import annotations

from rest_framework import serializers

from apps.api.serializers.base import StrictSerializer, string_list

KINDS = ("saml", "oidc")
LINK_RULES = ("never", "verified_email")


class SourceOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    enabled = serializers.BooleanField()
    domains = serializers.ListField(child=serializers.CharField())
    link_rule = serializers.CharField()
    attribute_map = serializers.DictField()
    default_acr = serializers.CharField()
    acr_map = serializers.DictField()
    idp_entity_id = serializers.CharField()
    idp_sso_url = serializers.CharField()
    idp_slo_url = serializers.CharField()
    metadata_url = serializers.CharField()
    metadata_refreshed_at = serializers.DateTimeField(allow_null=True)
    discovery_url = serializers.CharField()
    client_id = serializers.CharField()
    scopes = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SourceCreate(StrictSerializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=KINDS)
    slug = serializers.SlugField(max_length=50, required=False, default="")
    domains = string_list(required=False, default=list)
    link_rule = serializers.ChoiceField(choices=LINK_RULES, required=False, default="never")
    attribute_map = serializers.DictField(required=False, default=dict)
    metadata = serializers.CharField(
        max_length=1024 * 1024, required=False, help_text="SAML: metadata XML, or its http(s) URL."
    )
    discovery_url = serializers.URLField(max_length=1024, required=False)
    client_id = serializers.CharField(max_length=255, required=False)
    client_secret = serializers.CharField(max_length=1024, required=False, write_only=True)
    scopes = serializers.CharField(max_length=255, required=False, default="openid email profile")

    def validate(self, attrs: dict) -> dict:
        needed = (
            ("metadata",)
            if attrs["kind"] == "saml"
            else ("discovery_url", "client_id", "client_secret")
        )
        missing = {
            name: ["Required for this kind of source."] for name in needed if not attrs.get(name)
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class SourceUpdate(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    enabled = serializers.BooleanField(required=False)
    domains = string_list(required=False)
    link_rule = serializers.ChoiceField(choices=LINK_RULES, required=False)
    attribute_map = serializers.DictField(required=False)
    default_acr = serializers.CharField(max_length=255, required=False)
    acr_map = serializers.DictField(child=serializers.CharField(max_length=255), required=False)
    discovery_url = serializers.URLField(max_length=1024, required=False)
    client_id = serializers.CharField(max_length=255, required=False)
    scopes = serializers.CharField(max_length=255, required=False)
    metadata = serializers.CharField(max_length=1024 * 1024, required=False)
    client_secret = serializers.CharField(max_length=1024, required=False, write_only=True)
