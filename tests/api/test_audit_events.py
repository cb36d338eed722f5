"""/api/v1/audit-events: filtered by user, client, type and time; read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import Outcome
from apps.audit.services import event_record
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit-events"


def _types(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [e["type"] for e in response.json()["results"]]


def test_filters(api, user):
    event_record(type="signin", outcome=Outcome.SUCCESS, actor_subject=user.subject)
    event_record(type="client.updated", outcome=Outcome.SUCCESS, data={"client_id": "rp-1"})
    assert _types(api.get(URL, {"user": str(user.subject)})) == ["signin"]
    assert _types(api.get(URL, {"client_id": "rp-1"})) == ["client.updated"]
    assert "client.updated" in _types(api.get(URL, {"type": "client."}))
    assert _types(api.get(URL, {"type": "signin"})) == ["signin"]
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert _types(api.get(URL, {"since": future})) == []
    assert set(_types(api.get(URL, {"until": future}))) >= {"signin", "client.updated"}


def test_the_apis_own_writes_are_found_by_the_acting_client(api):
    api.post("/api/v1/users", {"email": "bob@example.com"})
    types = _types(api.get(URL, {"client_id": api.registered.client_id}))
    assert "api.write" in types
    assert "user.created" in types


def test_refused_writes_are_audited_as_denied(make_api):
    reader = make_api(scope="keyway.admin.read")
    assert_problem(reader.post("/api/v1/users", {"email": "bob@example.com"}), 403)
    denied = reader.get(URL, {"type": "api.write"}).json()["results"][0]
    assert denied["outcome"] == "denied"
    assert denied["data"]["status"] == 403


def test_newest_first_and_read_only(api):
    event_record(type="first", outcome=Outcome.SUCCESS)
    event_record(type="second", outcome=Outcome.SUCCESS)
    assert _types(api.get(URL, {"type": "second"})) == ["second"]
    types = _types(api.get(URL))
    assert types.index("second") < types.index("first")
    assert_problem(api.delete(URL), 405)
