"""Who may call the management API: client-credentials tokens with the admin scopes, or a
staff member's browser session with CSRF — and nobody else."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from apps.api.permissions import SCOPE_READ, SCOPE_WRITE
from apps.oidc_provider.client_services import client_change, client_deactivate
from tests.api.conftest import assert_problem
from tests.conftest import PASSWORD
from tests.oidc_provider.conftest import Flow, signed_in  # noqa: F401

pytestmark = pytest.mark.django_db
USERS = "/api/v1/users"


def test_no_credentials_is_a_401_problem_with_a_bearer_challenge():
    response = HttpClient().get(USERS)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused():
    response = HttpClient().get(USERS, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_problem(response, 401)


def test_a_read_token_reads_but_cannot_write(make_api):
    api = make_api(scope=SCOPE_READ)
    assert api.get(USERS).status_code == 200
    body = assert_problem(api.post(USERS, {"email": "new@example.com"}), 403)
    assert SCOPE_WRITE in body["detail"]


def test_a_write_token_cannot_read(make_api):
    api = make_api(scope=SCOPE_WRITE)
    assert_problem(api.get(USERS), 403)
    assert api.post(USERS, {"email": "new@example.com"}).status_code == 201


def test_a_token_without_admin_scopes_is_forbidden(make_api):
    api = make_api(scope="openid", allowed=["openid", SCOPE_READ])
    assert_problem(api.get(USERS), 403)


def test_removing_the_scope_from_the_client_stops_tokens_already_issued(api):
    client_change(client=api.registered.client, fields={"scopes": ["openid"]})
    assert_problem(api.get(USERS), 403)


def test_a_deactivated_clients_token_is_refused(api):
    client_deactivate(client=api.registered.client)
    assert_problem(api.get(USERS), 401)


def test_an_end_user_token_never_works_even_with_admin_scopes(signed_in, make_client):  # noqa: F811
    """A person who consented to an admin scope gets a token for themselves, not the
    organisation's authority: only client-credentials tokens authenticate here."""
    rp = make_client(scopes=["openid", SCOPE_READ], skip_consent=True)
    flow = Flow(signed_in, rp)
    token = flow.exchange(flow.get_code(scope=f"openid {SCOPE_READ}")).json()
    assert SCOPE_READ in token["scope"]
    response = HttpClient().get(USERS, HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
    body = assert_problem(response, 401)
    assert "client-credentials" in body["detail"]


def test_a_staff_session_reads_and_writes_with_csrf(make_user):
    make_user(email="admin@example.com", is_staff=True)
    browser = HttpClient(enforce_csrf_checks=True)
    browser.get("/signin/")
    form = {"email": "admin@example.com", "password": PASSWORD}
    browser.post("/signin/", {**form, "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert browser.get(USERS).status_code == 200
    refused = browser.post(USERS, '{"email": "x@example.com"}', content_type="application/json")
    assert "CSRF" in assert_problem(refused, 403)["detail"]
    csrf = browser.cookies["csrftoken"].value
    created = browser.post(
        USERS, '{"email": "x@example.com"}', content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert created.status_code == 201, created.content


def test_a_non_staff_session_is_not_an_administrator(user):
    browser = HttpClient()
    browser.post("/signin/", {"email": user.email, "password": PASSWORD})
    assert_problem(browser.get(USERS), 401)


def test_schema_and_docs_are_public_and_docs_have_no_script():
    schema = HttpClient().get("/api/schema")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    docs = HttpClient().get("/api/docs")
    assert docs.status_code == 200
    assert b"/api/v1/users/{subject}/universal-logout" in docs.content
    assert b"<script" not in docs.content
