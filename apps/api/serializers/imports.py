from __future__ import annotations

from rest_framework import serializers

from apps.api.serializers.base import StrictSerializer


class ImportCreate(StrictSerializer):
    file = serializers.FileField(help_text="An XPSExport XML file or policy REST API JSON.")
    format = serializers.ChoiceField(choices=("xml", "json"), required=False)
    dry_run = serializers.BooleanField(required=False, default=False)
    prune = serializers.BooleanField(required=False, default=False)


class ImportJobOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=("queued", "running", "succeeded", "failed"))
    export_name = serializers.CharField()
    export_format = serializers.CharField()
    dry_run = serializers.BooleanField()
    prune = serializers.BooleanField()
    requested_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()
    report = serializers.JSONField(allow_null=True, help_text="The import report, once run.")
