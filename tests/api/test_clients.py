"""/api/v1/clients: registration, changes, secret rotation, deactivation."""

from __future__ import annotations

import base64

import pytest
from django.test import Client as HttpClient

from apps.audit.models import Event
from apps.oidc_provider.selectors import client_by_id
from tests.api.conftest import assert_problem
from tests.oidc_provider.conftest import token_post

pytestmark = pytest.mark.django_db
SERVICE = {
    "name": "Batch",
    "client_type": "confidential",
    "grant_types": ["client_credentials"],
    "scopes": ["openid"],
}


def _token_status(client_id: str, secret: str) -> int:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = token_post(
        HttpClient(),
        {"grant_type": "client_credentials", "scope": "openid"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    return response.status_code


def test_create_shows_the_secret_once_and_it_works(api):
    created = api.post("/api/v1/clients", SERVICE)
    assert created.status_code == 201, created.content
    body = created.json()
    assert _token_status(body["client_id"], body["client_secret"]) == 200
    read = api.get(f"/api/v1/clients/{body['client_id']}").json()
    assert "client_secret" not in read
    assert read["grant_types"] == ["client_credentials"]
    assert Event.objects.filter(type="client.created", data__client_id=body["client_id"]).exists()


def test_public_client_has_no_secret(api):
    body = api.post(
        "/api/v1/clients",
        {"name": "SPA", "client_type": "public", "redirect_uris": ["https://spa.example/cb"]},
    ).json()
    assert body["client_secret"] is None
    assert body["token_endpoint_auth_method"] == "none"


def test_rotation_returns_a_new_secret_and_the_old_one_stops(api):
    body = api.post("/api/v1/clients", SERVICE).json()
    rotated = api.post(f"/api/v1/clients/{body['client_id']}/secret").json()
    assert rotated["client_secret"] != body["client_secret"]
    assert _token_status(body["client_id"], body["client_secret"]) == 401
    assert _token_status(body["client_id"], rotated["client_secret"]) == 200
    assert Event.objects.filter(type="client.secret_rotated").count() == 1


def test_rotating_a_public_client_is_a_field_error(api):
    body = api.post(
        "/api/v1/clients",
        {"name": "SPA", "client_type": "public", "redirect_uris": ["https://spa.example/cb"]},
    ).json()
    problem = assert_problem(api.post(f"/api/v1/clients/{body['client_id']}/secret"), 400)
    assert problem["errors"][0]["field"] == "client_type"


def test_patch_follows_registration_rules_and_writes_nothing_on_error(api):
    body = api.post(
        "/api/v1/clients",
        {
            **SERVICE,
            "grant_types": ["authorization_code"],
            "redirect_uris": ["https://a.example/cb"],
        },
    ).json()
    url = f"/api/v1/clients/{body['client_id']}"
    problem = assert_problem(
        api.patch(url, {"name": "Renamed", "redirect_uris": ["http://evil.example/cb"]}), 400
    )
    assert problem["errors"][0]["field"] == "redirect_uris"
    assert client_by_id(client_id=body["client_id"]).name == "Batch"
    ok = api.patch(url, {"name": "Renamed", "redirect_uris": ["https://b.example/cb"]})
    assert ok.json()["redirect_uris"] == ["https://b.example/cb"]
    event = Event.objects.get(type="client.updated")
    assert event.data["fields"] == ["name", "redirect_uris"]


def test_unknown_scope_is_refused(api):
    problem = assert_problem(api.post("/api/v1/clients", {**SERVICE, "scopes": ["root"]}), 400)
    assert problem["errors"][0]["field"] == "allowed_scopes"


def test_delete_deactivates(api):
    body = api.post("/api/v1/clients", SERVICE).json()
    assert api.delete(f"/api/v1/clients/{body['client_id']}").status_code == 204
    assert api.get(f"/api/v1/clients/{body['client_id']}").json()["is_active"] is False
    assert _token_status(body["client_id"], body["client_secret"]) == 401


def test_list_is_cursor_paginated(api):
    for n in range(3):
        api.post("/api/v1/clients", {**SERVICE, "name": f"C{n}"})
    first = api.get("/api/v1/clients", {"page_size": 2}).json()
    assert len(first["results"]) == 2
    assert "cursor=" in first["next"]
    second = api.get(first["next"].split("testserver")[-1]).json()
    names = [c["name"] for c in first["results"] + second["results"]]
    assert names == ["Automation", "C0", "C1", "C2"]
