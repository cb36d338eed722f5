from __future__ import annotations

from rest_framework import serializers


class EventOut(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    type = serializers.CharField()
    outcome = serializers.CharField()
    actor_subject = serializers.UUIDField(allow_null=True)
    actor_email = serializers.CharField()
    ip = serializers.CharField(allow_null=True)
    user_agent = serializers.CharField()
    data = serializers.JSONField()
