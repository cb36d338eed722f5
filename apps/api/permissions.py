"""Scopes per endpoint: ``keyway.admin.read`` for reads, ``keyway.admin.write`` for
writes (a view may name others in ``required_scopes``). Staff sessions may do both."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from apps.api.authentication import ApiClient

SCOPE_READ = "keyway.admin.read"
SCOPE_WRITE = "keyway.admin.write"


def scope_required(request: Request, view: object) -> str:
    scopes = getattr(view, "required_scopes", {})
    default = SCOPE_READ if request.method in SAFE_METHODS else SCOPE_WRITE
    return scopes.get(request.method, default)


class AdminScope(BasePermission):
    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        if user is None:
            return False
        if not isinstance(user, ApiClient):
            return bool(user.is_staff and user.is_active)
        needed = scope_required(request, view)
        self.message = f"This needs an access token with the {needed} scope."
        return needed in request.auth.scopes
