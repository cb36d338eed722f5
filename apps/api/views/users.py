"""/api/v1/users: accounts, addressed by their public ``subject``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import user_get_by_subject, users_list
from apps.accounts.services import (
    AccountNotLocked,
    user_active_set,
    user_admin_create,
    user_groups_update,
    user_unlock,
    user_update,
)
from apps.api.problems import Conflict
from apps.api.serializers import users as s
from apps.api.views.base import ApiView, found
from apps.sso_sessions.services import user_universal_logout


class UserFilters(serializers.Serializer):
    email = serializers.CharField(required=False, max_length=254)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
    group = serializers.CharField(required=False, max_length=150)


class UserList(ApiView):
    @extend_schema(
        parameters=[UserFilters], responses=s.UserOut(many=True), operation_id="users_list"
    )
    def get(self, request: Request) -> Response:
        filters = self.valid(UserFilters, request.query_params)
        return self.page(users_list(**filters), s.UserOut)

    @extend_schema(request=s.UserCreate, responses={201: s.UserOut}, operation_id="users_create")
    def post(self, request: Request) -> Response:
        user = user_admin_create(**self.valid(s.UserCreate), request=request, actor=request.user)
        return self.out(s.UserOut, user, 201, headers={"Location": f"/api/v1/users/{user.subject}"})


class UserDetail(ApiView):
    @extend_schema(responses=s.UserOut, operation_id="users_read")
    def get(self, request: Request, subject: str) -> Response:
        return self.out(s.UserOut, found(user_get_by_subject(subject=subject)))

    @extend_schema(request=s.UserUpdate, responses=s.UserOut, operation_id="users_update")
    def patch(self, request: Request, subject: str) -> Response:
        user = found(user_get_by_subject(subject=subject))
        fields = self.valid(s.UserUpdate)
        return self.out(
            s.UserOut, user_update(user=user, fields=fields, request=request, actor=request.user)
        )


class _UserActive(ApiView):
    active: bool
    event: str
    lock: bool

    @extend_schema(request=None, responses=s.ActiveOut)
    def post(self, request: Request, subject: str) -> Response:
        user = found(user_get_by_subject(subject=subject))
        changed = self.change(user, request)
        return Response(
            {
                "subject": user.subject,
                "is_active": user.is_active,
                "locked": user.locked_at is not None,
                "changed": changed,
            }
        )

    def change(self, user: Any, request: Request) -> bool:
        return user_active_set(
            user=user,
            active=self.active,
            event=self.event,
            request=request,
            actor=request.user,
            lock=self.lock,
        )


class UserDeactivate(_UserActive):
    """Deactivate: no more sign-ins until reactivated; sessions ended, tokens revoked,
    applications told."""

    active, event, lock = False, "user.deactivated", False


class UserActivate(_UserActive):
    """Reactivate a deactivated (or locked) account: sign-ins allowed again."""

    active, event, lock = True, "user.activated", False


class UserLock(_UserActive):
    """Lock: sign-ins stop as for a deactivation (sessions ended, tokens revoked), and
    ``/unlock`` lifts it."""

    active, event, lock = False, "user.locked", True


class UserUnlock(_UserActive):
    """Lift a lock. A deactivated account is not locked: 409 (reactivate it instead)."""

    active, event, lock = True, "user.unlocked", False

    def change(self, user: Any, request: Request) -> bool:
        try:
            return user_unlock(user=user, request=request, actor=request.user)
        except AccountNotLocked as error:
            raise Conflict("The account is deactivated, not locked: reactivate it.") from error


class UserGroups(ApiView):
    @extend_schema(responses=s.GroupsOut, operation_id="users_groups_read")
    def get(self, request: Request, subject: str) -> Response:
        user = found(user_get_by_subject(subject=subject))
        return Response({"groups": sorted(g.name for g in user.groups.all())})

    @extend_schema(
        request=s.GroupsChange, responses=s.GroupsOut, operation_id="users_groups_change"
    )
    def post(self, request: Request, subject: str) -> Response:
        user = found(user_get_by_subject(subject=subject))
        change = self.valid(s.GroupsChange)
        user_groups_update(user=user, add=change["add"], remove=change["remove"])
        return Response({"groups": sorted(g.name for g in user.groups.all())})


class UserUniversalLogout(ApiView):
    @extend_schema(
        request=None, responses=s.UniversalLogoutOut, operation_id="users_universal_logout"
    )
    def post(self, request: Request, subject: str) -> Response:
        user = found(user_get_by_subject(subject=subject))
        result = user_universal_logout(user=user, request=request, actor=request.user)
        return Response(
            {"sessions_ended": result.sessions_ended, "deliveries": len(result.deliveries)}
        )
