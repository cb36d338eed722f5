import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.accounts.selectors import user_get_by_email, user_get_by_subject

pytestmark = pytest.mark.django_db


def test_the_custom_user_is_the_auth_user_model():
    assert get_user_model() is User


def test_email_is_unique_regardless_of_case(make_user):
    make_user(email="Alice@Example.com")
    with pytest.raises(ValidationError):
        make_user(email="alice@example.com")


def test_database_rejects_case_variant_duplicates_even_without_validation(make_user):
    make_user(email="bob@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="BOB@example.com")])


def test_sign_in_lookup_ignores_case_and_surrounding_space(make_user):
    created = make_user(email="Carol@Example.COM")
    assert user_get_by_email(email="  carol@example.com ") == created
    assert user_get_by_email(email="nobody@example.com") is None


def test_domain_is_lowercased_and_local_part_kept(make_user):
    user = make_user(email="Dave.Smith@EXAMPLE.org")
    assert user.email == "Dave.Smith@example.org"


def test_subject_is_a_stable_uuid_distinct_from_the_primary_key(make_user):
    user = make_user()
    assert isinstance(user.subject, uuid.UUID)
    assert str(user.subject) != str(user.pk)
    user.given_name = "Changed"
    user.save()
    user.refresh_from_db()
    assert user_get_by_subject(subject=str(user.subject)) == user


def test_subjects_differ_between_users(make_user):
    assert make_user(email="a@example.com").subject != make_user(email="b@example.com").subject


def test_lookup_by_malformed_subject_returns_none(db):
    assert user_get_by_subject(subject="not-a-uuid") is None


def test_name_prefers_display_name_then_full_name_then_email(make_user):
    user = make_user(given_name="Erin", family_name="Ng")
    assert user.name == "Erin Ng"
    user.display_name = "E. Ng"
    assert user.name == "E. Ng"
    assert make_user(email="anon@example.com").name == "anon@example.com"


def test_users_belong_to_django_groups(make_user):
    staff = Group.objects.create(name="staff")
    user = make_user()
    user.groups.add(staff)
    assert list(user.groups.values_list("name", flat=True)) == ["staff"]


def test_user_without_password_cannot_sign_in_with_any_password(make_user):
    user = make_user(password=None)
    assert not user.has_usable_password()
    assert not user.check_password("")


def test_new_users_are_active(make_user):
    assert make_user().is_active
