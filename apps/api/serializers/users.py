from __future__ import annotations

from rest_framework import serializers

from apps.api.serializers.base import StrictSerializer, string_list


class UserOut(serializers.Serializer):
    subject = serializers.UUIDField()
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    display_name = serializers.CharField()
    external_id = serializers.CharField(allow_null=True)
    is_active = serializers.BooleanField()
    locked_at = serializers.DateTimeField(allow_null=True)
    is_staff = serializers.BooleanField()
    groups = serializers.SerializerMethodField()
    date_joined = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_groups(self, user: object) -> list[str]:
        return sorted(group.name for group in user.groups.all())


class UserCreate(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        max_length=1024,
        required=False,
        write_only=True,
        help_text="Omit for an account "
        "that signs in only through an upstream identity provider or a password reset.",
    )
    email_verified = serializers.BooleanField(required=False, default=False)
    given_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    family_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, default=""
    )
    display_name = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    external_id = serializers.CharField(
        max_length=255, required=False, allow_null=True, default=None
    )
    groups = string_list(150, required=False, default=list)


class UserUpdate(StrictSerializer):
    email = serializers.EmailField(max_length=254, required=False)
    email_verified = serializers.BooleanField(required=False)
    given_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    display_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=255, required=False, allow_null=True)


class GroupsChange(StrictSerializer):
    add = string_list(150, required=False, default=list)
    remove = string_list(150, required=False, default=list)


class GroupsOut(serializers.Serializer):
    groups = serializers.ListField(child=serializers.CharField())


class UniversalLogoutOut(serializers.Serializer):
    sessions_ended = serializers.IntegerField()
    deliveries = serializers.IntegerField()


class ActiveOut(serializers.Serializer):
    subject = serializers.UUIDField()
    is_active = serializers.BooleanField()
    locked = serializers.BooleanField()
    changed = serializers.BooleanField()
