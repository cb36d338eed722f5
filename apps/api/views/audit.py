"""/api/v1/audit-events: the audit log, read-only, filtered."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.pagination import NewestFirstPagination
from apps.api.serializers import audit as s
from apps.api.views.base import ApiView
from apps.audit.selectors import events_filter


class EventFilters(serializers.Serializer):
    user = serializers.UUIDField(required=False, help_text="The actor's subject.")
    client_id = serializers.CharField(
        required=False, max_length=255, help_text="Events about or by this client."
    )
    type = serializers.CharField(
        required=False, max_length=64, help_text="Exact type, or a prefix ending in '.'."
    )
    since = serializers.DateTimeField(required=False, help_text="Inclusive, ISO 8601.")
    until = serializers.DateTimeField(required=False, help_text="Exclusive, ISO 8601.")


class EventList(ApiView):
    pagination_class = NewestFirstPagination

    @extend_schema(
        parameters=[EventFilters], responses=s.EventOut(many=True), operation_id="audit_events_list"
    )
    def get(self, request: Request) -> Response:
        f = self.valid(EventFilters, request.query_params)
        events = events_filter(
            actor_subject=f.get("user"),
            client_id=f.get("client_id"),
            type=f.get("type"),
            since=f.get("since"),
            until=f.get("until"),
        )
        return self.page(events, s.EventOut)
