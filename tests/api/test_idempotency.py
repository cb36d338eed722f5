"""Idempotency-Key on POST: a retried request gets the first answer, never a second
write; the same key with another body is a 422; keys belong to one caller."""

from __future__ import annotations

import pytest

from apps.accounts.selectors import users_list
from apps.audit.models import Event
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db
KEY = {"HTTP_IDEMPOTENCY_KEY": "create-bob-1"}


def test_same_key_and_body_replays_the_first_answer_and_writes_once(api):
    first = api.post("/api/v1/users", {"email": "bob@example.com"}, **KEY)
    again = api.post("/api/v1/users", {"email": "bob@example.com"}, **KEY)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert users_list(email="bob@example.com").count() == 1
    assert Event.objects.filter(type="user.created").count() == 1


def test_the_same_json_in_another_key_order_is_the_same_request(api):
    api.post("/api/v1/users", '{"email": "bob@example.com", "given_name": "Bob"}', **KEY)
    again = api.post("/api/v1/users", '{"given_name": "Bob",  "email": "bob@example.com"}', **KEY)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"


def test_same_key_with_another_body_is_a_422_problem(api):
    api.post("/api/v1/users", {"email": "bob@example.com"}, **KEY)
    conflict = api.post("/api/v1/users", {"email": "eve@example.com"}, **KEY)
    assert_problem(conflict, 422)
    assert not users_list(email="eve@example.com").exists()


def test_an_error_answer_is_replayed_too(api, user):
    first = api.post("/api/v1/users", {"email": user.email}, **KEY)
    assert_problem(first, 400)
    again = api.post("/api/v1/users", {"email": user.email}, **KEY)
    assert again.status_code == 400
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/problem+json"


def test_keys_are_scoped_per_caller(make_api):
    one, two = make_api(), make_api()
    assert one.post("/api/v1/users", {"email": "a@example.com"}, **KEY).status_code == 201
    # Another client using the same key is a new request, not a conflict with the first.
    assert two.post("/api/v1/users", {"email": "b@example.com"}, **KEY).status_code == 201


def test_without_a_key_each_post_is_new(api):
    api.post("/api/v1/users", {"email": "bob@example.com"})
    assert_problem(api.post("/api/v1/users", {"email": "bob@example.com"}), 400)


def test_an_overlong_key_is_refused(api):
    body = assert_problem(
        api.post("/api/v1/users", {"email": "bob@example.com"}, HTTP_IDEMPOTENCY_KEY="k" * 256), 400
    )
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert not users_list(email="bob@example.com").exists()


def test_a_secret_is_never_replayed(api):
    service = {
        "name": "Batch",
        "client_type": "confidential",
        "grant_types": ["client_credentials"],
        "scopes": ["openid"],
    }
    first = api.post("/api/v1/clients", service, **KEY)
    assert first.json()["client_secret"]
    again = api.post("/api/v1/clients", service, **KEY)
    assert "secret" in assert_problem(again, 409)["detail"]
    assert api.get("/api/v1/clients").json()["results"][-1]["name"] == "Batch"
    assert len(api.get("/api/v1/clients").json()["results"]) == 2  # the caller and Batch


def test_a_key_on_an_unknown_path_is_just_a_404(api):
    assert_problem(api.post("/api/v1/nothing", {}, **KEY), 404)
