"""The README's recipe for an automation client works end to end."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient

from apps.oidc_provider.selectors import client_by_id
from tests.api.conftest import BOTH
from tests.oidc_provider.conftest import RegisteredClient, token_post

pytestmark = pytest.mark.django_db


def test_readme_recipe_gives_a_token_the_api_accepts():
    out = StringIO()
    call_command(
        "create_client",
        "--name", "Automation", "--type", "confidential",
        "--grant-types", "client_credentials",
        "--scopes", "keyway.admin.read", "keyway.admin.write",
        "--json", stdout=out,
    )  # fmt: skip
    created = json.loads(out.getvalue())
    registered = RegisteredClient(
        client_by_id(client_id=created["client_id"]), created["client_secret"]
    )
    token = token_post(
        HttpClient(), {"grant_type": "client_credentials", "scope": BOTH}, **registered.basic_auth()
    ).json()["access_token"]
    response = HttpClient().get("/api/v1/users", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
