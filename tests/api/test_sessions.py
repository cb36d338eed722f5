"""/api/v1/sessions: listing with filters; ending one signs the person out."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from apps.audit.models import Event
from apps.sso_sessions.models import ParticipantKind
from apps.sso_sessions.selectors import sessions_active_for_user
from apps.sso_sessions.services import participant_record
from tests.api.conftest import assert_problem
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(user) -> HttpClient:
    browser = HttpClient()
    browser.post("/signin/", {"email": user.email, "password": PASSWORD})
    return browser


def test_list_filters_by_user_and_state(api, user, make_user):
    other = make_user(email="bob@example.com")
    _sign_in(user)
    _sign_in(other)
    everyone = api.get("/api/v1/sessions").json()["results"]
    assert {s["email"] for s in everyone} == {user.email, other.email}
    mine = api.get("/api/v1/sessions", {"user": str(user.subject), "active": "true"}).json()
    assert [s["user"] for s in mine["results"]] == [str(user.subject)]
    assert api.get("/api/v1/sessions", {"active": "false"}).json()["results"] == []
    nobody = api.get("/api/v1/sessions", {"user": "00000000-0000-4000-8000-000000000000"})
    assert nobody.json()["results"] == []


def test_ending_a_session_signs_the_browser_out_and_is_audited(api, user):
    browser = _sign_in(user)
    sid = api.get("/api/v1/sessions").json()["results"][0]["sid"]
    response = api.delete(f"/api/v1/sessions/{sid}")
    assert response.status_code == 200
    assert response.json() == {"sid": sid, "ended": True, "deliveries": 0}
    assert not sessions_active_for_user(user=user)
    assert browser.get("/api/v1/sessions").status_code == 401  # and not signed in anywhere
    event = Event.objects.get(type="session.ended")
    assert event.data["reason"] == "admin"
    assert event.data["by"] == f"client:{api.registered.client_id}"
    ended = api.get(f"/api/v1/sessions/{sid}").json()
    assert ended["end_reason"] == "admin"
    assert api.get("/api/v1/sessions", {"active": "false"}).json()["results"][0]["sid"] == sid


def test_ending_twice_reports_it_was_already_ended(api, user):
    _sign_in(user)
    sid = api.get("/api/v1/sessions").json()["results"][0]["sid"]
    api.delete(f"/api/v1/sessions/{sid}")
    assert api.delete(f"/api/v1/sessions/{sid}").json()["ended"] is False


def test_unknown_session_is_404(api):
    assert_problem(api.delete("/api/v1/sessions/nope"), 404)


def test_filter_by_application_reached(api, user, make_user):
    _sign_in(user)
    _sign_in(make_user(email="bob@example.com"))
    sid = api.get("/api/v1/sessions", {"user": str(user.subject)}).json()["results"][0]["sid"]
    participant_record(sid=sid, kind=ParticipantKind.OIDC, party_id="wiki")
    reached = api.get("/api/v1/sessions", {"client_id": "wiki"}).json()["results"]
    assert [s["sid"] for s in reached] == [sid]
    assert reached[0]["participants"][0]["party_id"] == "wiki"
