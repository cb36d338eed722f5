"""/api/v1/identity-providers: upstream SAML and OpenID Connect providers."""

from __future__ import annotations

import pytest

from apps.audit.models import Event
from apps.federation.selectors import source_get
from tests.api.conftest import assert_problem
from tests.federation.saml_peer import PysamlIdp

pytestmark = pytest.mark.django_db
URL = "/api/v1/identity-providers"
OKTA = {
    "name": "Okta",
    "kind": "oidc",
    "discovery_url": "https://okta.example/.well-known/openid-configuration",
    "client_id": "keyway",
    "client_secret": "s3cret",
    "domains": ["okta-customer.example"],
}


def test_oidc_provider_created_read_and_changed_secret_never_shown(api):
    created = api.post(URL, OKTA)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["slug"] == "okta"
    assert "client_secret" not in body
    changed = api.patch(f"{URL}/okta", {"enabled": False, "client_secret": "n3w"})
    assert changed.json()["enabled"] is False
    assert source_get(slug="okta") is None
    assert "client_secret" not in api.get(f"{URL}/okta").json()
    types = list(
        Event.objects.filter(type__startswith="federation.").values_list("type", flat=True)
    )
    assert sorted(types) == ["federation.source_changed", "federation.source_registered"]


def test_saml_provider_from_metadata(api, tmp_path):
    idp = PysamlIdp(tmp_path)
    created = api.post(URL, {"name": "Corp", "kind": "saml", "metadata": idp.metadata()})
    assert created.status_code == 201, created.content
    assert created.json()["idp_sso_url"]


def test_kind_specific_fields_are_required(api):
    body = assert_problem(api.post(URL, {"name": "X", "kind": "oidc"}), 400)
    assert {e["field"] for e in body["errors"]} == {"discovery_url", "client_id", "client_secret"}
    body = assert_problem(api.post(URL, {"name": "X", "kind": "saml"}), 400)
    assert [e["field"] for e in body["errors"]] == ["metadata"]


def test_unusable_metadata_is_a_field_error(api):
    body = assert_problem(api.post(URL, {"name": "X", "kind": "saml", "metadata": "<x/>"}), 400)
    assert body["errors"][0]["field"] == "metadata"
    assert api.get(URL).json()["results"] == []


def test_duplicate_slug_is_a_field_error(api):
    api.post(URL, OKTA)
    body = assert_problem(api.post(URL, OKTA), 400)
    assert {e["field"] for e in body["errors"]} & {"name", "slug"}
