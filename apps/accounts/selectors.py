"""Account reads."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from apps.accounts.authn import SESSION_KEY, AuthContext
from apps.accounts.models import User


def user_get_by_email(*, email: str) -> User | None:
    try:
        return User.objects.get_by_natural_key(email)
    except User.DoesNotExist:
        return None


def user_get_by_subject(*, subject: uuid.UUID | str) -> User | None:
    try:
        return User.objects.get(subject=subject)
    except (User.DoesNotExist, ValidationError):
        return None


def session_auth_context(*, request: HttpRequest) -> AuthContext | None:
    """How the signed-in person in this browser authenticated, or None if nobody is."""
    if not request.user.is_authenticated:
        return None
    return AuthContext.from_session(request.session.get(SESSION_KEY))


def user_group_names(*, user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def users_list(
    *, email: str | None = None, is_active: bool | None = None, group: str | None = None
):
    """Users in a stable order (oldest first), optionally filtered: ``email`` matches
    case-insensitively and exactly, ``group`` by group name."""
    users = User.objects.prefetch_related("groups").order_by("id")
    if email:
        users = users.filter(email__iexact=email.strip())
    if is_active is not None:
        users = users.filter(is_active=is_active)
    if group:
        users = users.filter(groups__name=group)
    return users
