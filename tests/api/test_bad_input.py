"""Bad input on every write: malformed JSON, wrong types, unknown fields, oversized and
non-object bodies, wrong media types — always a problem+json 4xx naming the field, never
a 500, and nothing written."""

from __future__ import annotations

import json

import pytest

from apps.audit.models import Event
from apps.oidc_provider.client_services import client_create
from apps.saml_idp.services import sp_metadata_parse, sp_register
from tests.api.conftest import assert_problem
from tests.saml_idp.sp import SamlSp

pytestmark = pytest.mark.django_db


@pytest.fixture
def writes(api, user) -> list[tuple[str, str, str, object]]:
    """(method, path, a field, a value of the wrong type for it) for every JSON write."""
    client, _ = client_create(
        name="RP", client_type="confidential", redirect_uris=["https://rp.example/cb"]
    )
    sp, _ = sp_register(metadata=sp_metadata_parse(data=SamlSp().metadata().encode()))
    source = api.post(
        "/api/v1/identity-providers",
        {
            "name": "Okta",
            "kind": "oidc",
            "discovery_url": "https://okta.example/.well-known/openid-configuration",
            "client_id": "k",
            "client_secret": "s",
        },
    ).json()["slug"]
    subject = user.subject
    return [
        ("POST", "/api/v1/users", "email", 12),
        ("PATCH", f"/api/v1/users/{subject}", "email_verified", "maybe"),
        ("POST", f"/api/v1/users/{subject}/groups", "add", "not-a-list"),
        ("POST", "/api/v1/clients", "grant_types", {"a": 1}),
        ("PATCH", f"/api/v1/clients/{client.client_id}", "session_max_age", "soon"),
        ("POST", "/api/v1/saml/service-providers", "attribute_mapping", ["x"]),
        ("PATCH", f"/api/v1/saml/service-providers/{sp.pk}", "enabled", [True]),
        ("POST", "/api/v1/identity-providers", "domains", 5),
        ("PATCH", f"/api/v1/identity-providers/{source}", "acr_map", "x"),
    ]


def _no_writes_since(count: int) -> None:
    # Only the API's own audit of the refused request may have been added.
    assert set(
        Event.objects.all()[: Event.objects.count() - count].values_list("type", flat=True)
    ) <= {"api.write"}


def test_malformed_json(api, writes):
    for method, path, _, _ in writes:
        before = Event.objects.count()
        body = assert_problem(api.send(method, path, '{"email": '), 400)
        assert "JSON" in body["detail"], path
        _no_writes_since(before)


def test_wrong_types_name_the_field(api, writes):
    for method, path, field, value in writes:
        body = assert_problem(api.send(method, path, {field: value}), 400)
        assert field in [e["field"] for e in body["errors"]], (path, body)


def test_unknown_fields_name_the_field(api, writes):
    for method, path, _, _ in writes:
        body = assert_problem(api.send(method, path, {"is_actve": True}), 400)
        assert [e["field"] for e in body["errors"]] == ["is_actve"], path
        assert body["errors"][0]["pointer"] == "#/is_actve"


def test_a_body_that_is_not_an_object(api, writes):
    for method, path, _, _ in writes:
        assert_problem(api.send(method, path, "[1, 2]"), 400)
        assert_problem(api.send(method, path, '"text"'), 400)


def test_nan_is_not_json(api):
    assert_problem(api.post("/api/v1/users", '{"email": NaN}'), 400)


def test_oversized_body_is_413(api, settings):
    settings.KEYWAY = {**settings.KEYWAY, "API_MAX_BODY_BYTES": 1024}
    big = json.dumps({"email": "a@example.com", "display_name": "x" * 2000})
    assert_problem(api.post("/api/v1/users", big), 413)


def test_overlong_field_is_named(api):
    body = assert_problem(
        api.post("/api/v1/users", {"email": "a@example.com", "given_name": "x" * 151}), 400
    )
    assert body["errors"][0]["field"] == "given_name"


def test_nested_errors_point_into_lists(api):
    body = assert_problem(
        api.post(
            "/api/v1/clients",
            {"name": "X", "client_type": "confidential", "grant_types": ["implicit"]},
        ),
        400,
    )
    assert body["errors"][0]["pointer"] == "#/grant_types/0"


def test_wrong_media_type_is_415(api):
    response = api.send(
        "POST",
        "/api/v1/users",
        "email=a@example.com",
        content_type="application/x-www-form-urlencoded",
    )
    assert_problem(response, 415)


def test_wrong_method_is_405_and_unknown_path_404(api):
    assert_problem(api.send("PUT", "/api/v1/users", {}), 405)
    assert_problem(api.post("/api/v1/audit-events", {}), 405)
    assert_problem(api.get("/api/v1/nothing/here"), 404)
    assert_problem(api.http.options("/api/v1/users", **api._headers({})), 405)
    html_only = api.get("/api/v1/users", HTTP_ACCEPT="text/html")
    assert_problem(html_only, 406)


def test_bad_filters_are_400_not_500(api):
    body = assert_problem(api.get("/api/v1/audit-events", {"since": "yesterday"}), 400)
    assert body["errors"][0]["field"] == "since"
    assert_problem(api.get("/api/v1/sessions", {"user": "not-a-uuid"}), 400)
    assert_problem(api.get("/api/v1/users", {"cursor": "garbage"}), 404)


def test_invalid_utf8_is_400(api):
    assert_problem(api.post("/api/v1/users", b'{"email": "\xff@example.com"}'), 400)


def test_nul_and_unpaired_surrogates_are_refused_before_the_database(api):
    for body in (
        '{"email": "a@example.com", "given_name": "A\\u0000"}',
        '{"email": "a@example.com", "given_name": "\\ud800"}',
    ):
        problem = assert_problem(api.post("/api/v1/users", body), 400)
        assert problem["errors"][0]["field"] == "given_name"
    nested = '{"name": "X", "kind": "oidc", "attribute_map": {"a\\u0000": {"b": "\\u0000"}}}'
    problem = assert_problem(api.post("/api/v1/identity-providers", nested), 400)
    assert problem["errors"][0]["field"] == "attribute_map"
    assert_problem(api.get("/api/v1/sessions/a%00b"), 404)
    assert_problem(api.get("/api/v1/users", {"email": "a\x00b"}), 400)


def test_deep_nesting_is_a_400(api):
    assert_problem(api.post("/api/v1/users", "[" * 100000 + "]" * 100000), 400)
