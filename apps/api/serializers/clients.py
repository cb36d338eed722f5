from __future__ import annotations

from rest_framework import serializers

from apps.api.serializers.base import StrictSerializer, string_list

CLIENT_TYPES = ("confidential", "public")
GRANTS = ("authorization_code", "refresh_token", "client_credentials")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
ALGORITHMS = ("RS256", "ES256")


class ClientOut(serializers.Serializer):
    client_id = serializers.CharField()
    name = serializers.CharField()
    client_type = serializers.CharField()
    is_active = serializers.BooleanField()
    redirect_uris = serializers.SerializerMethodField()
    post_logout_redirect_uris = serializers.SerializerMethodField()
    backchannel_logout_uri = serializers.CharField()
    frontchannel_logout_uri = serializers.CharField()
    grant_types = serializers.ListField(child=serializers.CharField())
    scopes = serializers.ListField(source="allowed_scopes", child=serializers.CharField())
    skip_consent = serializers.BooleanField()
    token_endpoint_auth_method = serializers.CharField()
    algorithm = serializers.CharField()
    may_introspect = serializers.BooleanField()
    session_max_age = serializers.IntegerField(allow_null=True)
    session_idle_timeout = serializers.IntegerField(allow_null=True)
    required_acr = serializers.CharField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()

    def get_redirect_uris(self, client: object) -> list[str]:
        return client.redirect_uris.split()

    def get_post_logout_redirect_uris(self, client: object) -> list[str]:
        return client.post_logout_redirect_uris.split()


class ClientCreatedOut(ClientOut):
    client_secret = serializers.CharField(
        allow_null=True, help_text="Shown this once; null for a public client."
    )


class ClientCreate(StrictSerializer):
    name = serializers.CharField(max_length=255)
    client_type = serializers.ChoiceField(choices=CLIENT_TYPES)
    client_id = serializers.CharField(max_length=255, required=False)
    redirect_uris = string_list(required=False, default=list)
    post_logout_redirect_uris = string_list(required=False, default=list)
    backchannel_logout_uri = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )
    frontchannel_logout_uri = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )
    grant_types = serializers.ListField(
        child=serializers.ChoiceField(choices=GRANTS), required=False, max_length=3
    )
    scopes = string_list(required=False)
    skip_consent = serializers.BooleanField(required=False, default=False)
    token_endpoint_auth_method = serializers.ChoiceField(choices=AUTH_METHODS, required=False)
    algorithm = serializers.ChoiceField(choices=ALGORITHMS, required=False, default="RS256")


class ClientUpdate(StrictSerializer):
    name = serializers.CharField(max_length=255, required=False)
    redirect_uris = string_list(required=False)
    post_logout_redirect_uris = string_list(required=False)
    backchannel_logout_uri = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )
    frontchannel_logout_uri = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )
    grant_types = serializers.ListField(
        child=serializers.ChoiceField(choices=GRANTS), required=False, max_length=3
    )
    scopes = string_list(required=False)
    skip_consent = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)
    may_introspect = serializers.BooleanField(required=False)
    algorithm = serializers.ChoiceField(choices=ALGORITHMS, required=False)
    session_max_age = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True
    )
    session_idle_timeout = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True
    )
    required_acr = serializers.CharField(max_length=255, required=False, allow_blank=True)


class SecretOut(serializers.Serializer):
    client_id = serializers.CharField()
    client_secret = serializers.CharField(
        help_text="Shown this once; the old secret no longer works."
    )
