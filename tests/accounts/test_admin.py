import pytest
from django.contrib.auth.models import Group

from apps.accounts.selectors import user_get_by_email

pytestmark = pytest.mark.django_db


def test_users_and_groups_are_on_the_one_admin_site(admin_client):
    index = admin_client.get("/admin/")
    assert index.status_code == 200
    assert b"Keyway administration" in index.content
    assert b"/admin/accounts/user/" in index.content
    assert b"/admin/auth/group/" in index.content


def test_admin_creates_a_user_with_an_argon2_password(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.com",
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    created = user_get_by_email(email="new.person@example.com")
    assert created.email == "New.Person@example.com"
    assert created.password.startswith("argon2$argon2id$")


def test_admin_refuses_a_case_variant_duplicate_email(admin_client, user):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"email": "ALICE@example.com", "usable_password": "false"},
    )
    assert response.status_code == 200
    assert b"already exists" in response.content


def test_admin_edits_names_and_groups_but_not_the_subject(admin_client, user):
    group = Group.objects.create(name="engineering")
    subject = user.subject
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": user.email,
            "given_name": "Alicia",
            "family_name": "Example",
            "display_name": "",
            "is_active": "on",
            "groups": [group.pk],
            "subject": "00000000-0000-0000-0000-000000000000",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content
    user.refresh_from_db()
    assert user.given_name == "Alicia"
    assert list(user.groups.all()) == [group]
    assert user.subject == subject


def test_admin_finds_a_user_by_subject(admin_client, user):
    page = admin_client.get("/admin/accounts/user/", {"q": str(user.subject)})
    assert b"alice@example.com" in page.content
