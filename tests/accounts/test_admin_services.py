"""Account administration services (used by the management API)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.services import user_active_set, user_admin_create, user_update
from apps.audit.models import Event

pytestmark = pytest.mark.django_db


def test_update_refuses_fields_an_administrator_may_not_set(user):
    with pytest.raises(ValidationError) as caught:
        user_update(user=user, fields={"is_superuser": True})
    assert "is_superuser" in caught.value.message_dict
    user.refresh_from_db()
    assert not user.is_superuser


def test_an_email_taken_in_another_case_is_an_email_error(user, make_user):
    other = make_user(email="bob@example.com")
    with pytest.raises(ValidationError) as caught:
        user_update(user=other, fields={"email": user.email.upper()})
    assert list(caught.value.message_dict) == ["email"]
    with pytest.raises(ValidationError) as caught:
        user_admin_create(email=user.email.upper())
    assert list(caught.value.message_dict) == ["email"]


def test_create_with_groups_is_one_audited_write():
    user = user_admin_create(email="new@example.com", groups=["ops"], given_name="N")
    assert [g.name for g in user.groups.all()] == ["ops"]
    assert Event.objects.get(type="user.created").data["groups"] == ["ops"]


def test_deactivating_twice_changes_once(user):
    assert user_active_set(user=user, active=False, event="user.deactivated") is True
    assert user_active_set(user=user, active=False, event="user.deactivated") is False
    assert Event.objects.filter(type="user.deactivated").count() == 1
    assert Event.objects.filter(type="user.universal_logout").count() == 1
