"""/api/v1/sessions: sign-on sessions; ending one logs the person out of every
application it reached (the same fan-out as any other logout)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import user_get_by_subject
from apps.api.pagination import NewestFirstPagination
from apps.api.serializers import sessions as s
from apps.api.views.base import ApiView, found
from apps.sso_sessions.models import EndReason
from apps.sso_sessions.selectors import session_by_sid, session_is_live, sessions_list
from apps.sso_sessions.services import session_end


class SessionFilters(serializers.Serializer):
    user = serializers.UUIDField(required=False, help_text="The person's subject.")
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    client_id = serializers.CharField(
        required=False,
        max_length=1024,
        help_text="OIDC client_id or SAML entity ID the session reached.",
    )


class SessionList(ApiView):
    pagination_class = NewestFirstPagination

    @extend_schema(
        parameters=[SessionFilters], responses=s.SessionOut(many=True), operation_id="sessions_list"
    )
    def get(self, request: Request) -> Response:
        filters = self.valid(SessionFilters, request.query_params)
        user = None
        if filters.get("user"):
            user = user_get_by_subject(subject=filters["user"])
            if user is None:
                return self.page(sessions_list(active=True).none(), s.SessionOut)
        sessions = sessions_list(
            user=user, active=filters["active"], client_id=filters.get("client_id")
        )
        return self.page(sessions, s.SessionOut)


class SessionDetail(ApiView):
    @extend_schema(responses=s.SessionOut, operation_id="sessions_read")
    def get(self, request: Request, sid: str) -> Response:
        return self.out(s.SessionOut, found(session_by_sid(sid=sid)))

    @extend_schema(responses=s.SessionEndedOut, operation_id="sessions_end")
    def delete(self, request: Request, sid: str) -> Response:
        """End the session (reason ``admin``); its applications are told (back-channel/SAML)."""
        session = found(session_by_sid(sid=sid))
        was_live = session_is_live(session)
        deliveries = session_end(
            session=session, reason=EndReason.ADMIN, request=request, actor=request.user
        )
        return Response({"sid": session.sid, "ended": was_live, "deliveries": len(deliveries)})
