"""An API caller: a confidential client allowed the admin scopes, with a real
client-credentials access token from Keyway's token endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as HttpClient

from apps.api.permissions import SCOPE_READ, SCOPE_WRITE
from tests.oidc_provider.conftest import RegisteredClient, make_client, token_post  # noqa: F401

BOTH = f"{SCOPE_READ} {SCOPE_WRITE}"


@dataclass
class Api:
    """The Django test client with a bearer token, speaking JSON."""

    http: HttpClient
    token: str
    registered: RegisteredClient

    def _headers(self, extra: dict[str, Any]) -> dict[str, Any]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}", **extra}

    def get(self, path: str, params: dict | None = None, **extra: Any):
        return self.http.get(path, params or {}, **self._headers(extra))

    def send(self, method: str, path: str, body: Any = None, **extra: Any):
        data = (
            body if isinstance(body, (str, bytes)) else json.dumps(body if body is not None else {})
        )
        call = getattr(self.http, method.lower())
        return call(
            path,
            data,
            content_type=extra.pop("content_type", "application/json"),
            **self._headers(extra),
        )

    def post(self, path: str, body: Any = None, **extra: Any):
        return self.send("POST", path, body, **extra)

    def patch(self, path: str, body: Any = None, **extra: Any):
        return self.send("PATCH", path, body, **extra)

    def delete(self, path: str, **extra: Any):
        return self.http.delete(path, **self._headers(extra))


def client_credentials_token(registered: RegisteredClient, scope: str) -> str:
    response = token_post(
        HttpClient(),
        {"grant_type": "client_credentials", "scope": scope},
        **registered.basic_auth(),
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def make_api(make_client) -> Callable[..., Api]:  # noqa: F811
    def make(scope: str = BOTH, allowed: list[str] | None = None) -> Api:
        registered = make_client(
            name="Automation",
            grant_types=["client_credentials"],
            redirect_uris=[],
            scopes=allowed or [SCOPE_READ, SCOPE_WRITE],
        )
        return Api(HttpClient(), client_credentials_token(registered, scope), registered)

    return make


@pytest.fixture
def api(make_api) -> Api:
    return make_api()


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith("urn:keyway:problem:")
    assert body["detail"]
    return body
