from __future__ import annotations

from rest_framework import serializers


class ParticipantOut(serializers.Serializer):
    kind = serializers.CharField()
    party_id = serializers.CharField()
    first_seen_at = serializers.DateTimeField()


class SessionOut(serializers.Serializer):
    sid = serializers.CharField()
    user = serializers.UUIDField(source="user.subject")
    email = serializers.CharField(source="user.email")
    auth_time = serializers.DateTimeField()
    amr = serializers.ListField(child=serializers.CharField())
    acr = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    idle_expires_at = serializers.DateTimeField()
    absolute_expires_at = serializers.DateTimeField()
    ip = serializers.CharField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()
    participants = ParticipantOut(many=True, source="participants.all")


class SessionEndedOut(serializers.Serializer):
    sid = serializers.CharField()
    ended = serializers.BooleanField()
    deliveries = serializers.IntegerField()
