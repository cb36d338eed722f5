from __future__ import annotations

from rest_framework import serializers

from apps.api.serializers.base import StrictSerializer

NAMEID_FORMATS = ("email", "persistent", "transient")


class ServiceProviderOut(serializers.Serializer):
    id = serializers.IntegerField()
    entity_id = serializers.CharField()
    name = serializers.CharField()
    enabled = serializers.BooleanField()
    acs_endpoints = serializers.ListField(child=serializers.DictField())
    slo_url = serializers.CharField()
    nameid_format = serializers.CharField()
    attribute_mapping = serializers.DictField(child=serializers.CharField())
    sign_assertion = serializers.BooleanField()
    sign_response = serializers.BooleanField()
    encrypt_assertion = serializers.BooleanField()
    allow_idp_initiated = serializers.BooleanField()
    require_signed_requests = serializers.BooleanField()
    metadata_url = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class _SpSettings(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    nameid_format = serializers.ChoiceField(choices=NAMEID_FORMATS, required=False)
    attribute_mapping = serializers.DictField(
        child=serializers.CharField(max_length=64), required=False, allow_empty=True
    )
    sign_assertion = serializers.BooleanField(required=False)
    sign_response = serializers.BooleanField(required=False)
    encrypt_assertion = serializers.BooleanField(required=False)
    allow_idp_initiated = serializers.BooleanField(required=False)
    require_signed_requests = serializers.BooleanField(required=False, allow_null=True)


class ServiceProviderCreate(_SpSettings):
    metadata_xml = serializers.CharField(
        max_length=1024 * 1024, required=False, help_text="The SP's metadata document."
    )
    metadata_url = serializers.URLField(
        max_length=2000, required=False, help_text="Where to fetch it (http or https)."
    )

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("metadata_xml")) == bool(attrs.get("metadata_url")):
            raise serializers.ValidationError(
                {"metadata_xml": ["Give exactly one of metadata_xml and metadata_url."]}
            )
        return attrs


class ServiceProviderUpdate(_SpSettings):
    enabled = serializers.BooleanField(required=False)
    require_signed_requests = serializers.BooleanField(required=False)
