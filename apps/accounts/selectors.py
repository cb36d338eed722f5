"""Account reads."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError

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
