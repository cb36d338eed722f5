"""/api/v1/users: accounts by public subject; every write audited."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from apps.accounts.selectors import user_get_by_email
from apps.audit.models import Event
from apps.sso_sessions.selectors import sessions_active_for_user
from tests.api.conftest import assert_problem
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_create_read_and_list_by_subject_never_the_database_id(api):
    created = api.post(
        "/api/v1/users", {"email": "Bob@Example.COM", "given_name": "Bob", "groups": ["staff"]}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["email"] == "Bob@example.com"
    assert body["groups"] == ["staff"]
    assert "id" not in body
    assert created["Location"] == f"/api/v1/users/{body['subject']}"
    assert api.get(created["Location"]).json() == body
    user = user_get_by_email(email="bob@example.com")
    assert api.get(f"/api/v1/users/{user.pk}").status_code == 404
    listed = api.get("/api/v1/users", {"email": "BOB@example.com"}).json()
    assert [u["subject"] for u in listed["results"]] == [body["subject"]]


def test_a_created_password_signs_in(api):
    api.post("/api/v1/users", {"email": "carol@example.com", "password": PASSWORD})
    response = HttpClient().post("/signin/", {"email": "carol@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_duplicate_email_in_another_case_is_a_field_error(api, user):
    body = assert_problem(api.post("/api/v1/users", {"email": user.email.upper()}), 400)
    assert [e["field"] for e in body["errors"]] == ["email"]


def test_update_changes_only_given_fields_and_is_audited(api, user):
    response = api.patch(
        f"/api/v1/users/{user.subject}", {"display_name": "Al", "email_verified": True}
    )
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.display_name, user.email_verified, user.given_name) == ("Al", True, "Alice")
    event = Event.objects.get(type="user.updated")
    assert event.data == {
        "fields": ["display_name", "email_verified"],
        "by": f"client:{api.registered.client_id}",
    }
    write = Event.objects.get(type="api.write")
    assert write.actor_email == f"client:{api.registered.client_id}"
    assert write.data["operation"] == "UserDetail"
    assert write.outcome == "success"


def test_subject_cannot_be_written(api, user):
    body = assert_problem(api.patch(f"/api/v1/users/{user.subject}", {"subject": "x"}), 400)
    assert body["errors"][0]["field"] == "subject"


def test_deactivate_ends_sessions_and_blocks_sign_in_and_unlock_restores(api, user):
    browser = HttpClient()
    browser.post("/signin/", {"email": user.email, "password": PASSWORD})
    assert sessions_active_for_user(user=user)
    response = api.post(f"/api/v1/users/{user.subject}/deactivate")
    assert response.json() == {
        "subject": str(user.subject),
        "is_active": False,
        "locked": False,
        "changed": True,
    }
    assert not sessions_active_for_user(user=user)
    assert Event.objects.filter(type="user.deactivated", actor_subject=user.subject).exists()
    signin = HttpClient().post("/signin/", {"email": user.email, "password": PASSWORD})
    assert signin.status_code != 302
    # A deactivated account is not locked: unlock refuses, reactivation restores it.
    assert_problem(api.post(f"/api/v1/users/{user.subject}/unlock"), 409)
    assert api.post(f"/api/v1/users/{user.subject}/activate").json()["is_active"] is True
    signin = HttpClient().post("/signin/", {"email": user.email, "password": PASSWORD})
    assert signin.status_code == 302


def test_lock_is_audited_as_a_lock_and_twice_changes_nothing(api, user):
    assert api.post(f"/api/v1/users/{user.subject}/lock").json()["changed"] is True
    assert api.post(f"/api/v1/users/{user.subject}/lock").json()["changed"] is False
    assert Event.objects.filter(type="user.locked").count() == 1


def test_a_lock_stops_sign_in_until_unlocked_and_shows_on_the_user(api, user):
    locked = api.post(f"/api/v1/users/{user.subject}/lock").json()
    assert locked["locked"] is True
    assert locked["is_active"] is False
    assert api.get(f"/api/v1/users/{user.subject}").json()["locked_at"] is not None
    signin = HttpClient().post("/signin/", {"email": user.email, "password": PASSWORD})
    assert signin.status_code != 302
    unlocked = api.post(f"/api/v1/users/{user.subject}/unlock").json()
    assert unlocked == {
        "subject": str(user.subject),
        "is_active": True,
        "locked": False,
        "changed": True,
    }
    assert api.get(f"/api/v1/users/{user.subject}").json()["locked_at"] is None
    assert Event.objects.filter(type="user.unlocked").count() == 1
    signin = HttpClient().post("/signin/", {"email": user.email, "password": PASSWORD})
    assert signin.status_code == 302


def test_groups_added_and_removed(api, user):
    url = f"/api/v1/users/{user.subject}/groups"
    assert api.post(url, {"add": ["a", "b"]}).json() == {"groups": ["a", "b"]}
    assert api.post(url, {"remove": ["a"]}).json() == {"groups": ["b"]}
    assert api.get(url).json() == {"groups": ["b"]}
    assert api.get("/api/v1/users", {"group": "b"}).json()["results"][0]["subject"] == str(
        user.subject
    )


def test_universal_logout_ends_every_session(api, user):
    for _ in range(2):
        HttpClient().post("/signin/", {"email": user.email, "password": PASSWORD})
    response = api.post(f"/api/v1/users/{user.subject}/universal-logout")
    assert response.status_code == 200
    assert response.json()["sessions_ended"] == 2
    assert not sessions_active_for_user(user=user)
    event = Event.objects.get(type="user.universal_logout")
    assert event.data["by"] == f"client:{api.registered.client_id}"


def test_unknown_subject_is_a_404_problem(api):
    assert_problem(api.get("/api/v1/users/00000000-0000-4000-8000-000000000000"), 404)
    assert_problem(api.post("/api/v1/users/00000000-0000-4000-8000-000000000000/lock"), 404)
