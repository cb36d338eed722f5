"""The OIDC callback refuses what did not come from the authorization request this browser
started (state), an upstream's error, a missing code and a mixed-up issuer (RFC 9207),
with an error page and an audit event. The upstream's discovery is served over HTTP."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from apps.audit.models import Event
from apps.federation.services import oidc_source_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def okta(static_server):
    issuer = static_server.url
    static_server.put(
        "/.well-known/openid-configuration",
        json.dumps(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/auth",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
                "authorization_response_iss_parameter_supported": True,
            }
        ),
    )
    return oidc_source_register(
        name="Okta",
        slug="okta",
        discovery_url=f"{issuer}/.well-known/openid-configuration",
        client_id="keyway",
        client_secret="secret",
    )


def _start(client) -> dict[str, str]:
    response = client.get("/federation/okta/start")
    assert response.status_code == 302
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response["Location"]).query))


def test_the_authorization_request_uses_pkce_state_and_nonce(client, okta):
    query = _start(client)
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["state"]
    assert query["nonce"]
    assert query["redirect_uri"] == "http://testserver/federation/oidc/okta/callback"


def _callback(client, **params: str):
    return client.get("/federation/oidc/okta/callback?" + urllib.parse.urlencode(params))


def _reason() -> str:
    return Event.objects.filter(type="federation.rejected").latest("pk").data["reason"]


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"state": "forged", "code": "c"}, "unknown_state"),
        ({"error": "access_denied"}, "upstream_error"),
        ({}, "no_code"),
        ({"code": "c", "iss": "https://evil.example"}, "issuer_mismatch"),
        ({"code": "c"}, "issuer_missing"),
    ],
    ids=["state", "error", "no-code", "iss-mixup", "iss-missing"],
)
def test_a_bad_callback_is_refused(client, okta, params, reason, static_server):
    state = _start(client)["state"]
    if params.get("state") != "forged":
        params = {"state": state, **params}
        if reason in ("upstream_error", "no_code"):
            params["iss"] = static_server.url
    response = _callback(client, **params)
    assert response.status_code == 400
    assert "Sign-in failed" in response.content.decode()
    assert _reason() == reason


def test_a_state_works_once(client, okta, static_server):
    state = _start(client)["state"]
    _callback(client, state=state, error="access_denied", iss=static_server.url)
    _callback(client, state=state, error="access_denied", iss=static_server.url)
    assert _reason() == "unknown_state"


def test_an_unreachable_upstream_gives_an_error_page(client, db):
    oidc_source_register(
        name="Down",
        slug="down",
        discovery_url="http://127.0.0.1:9/.well-known/openid-configuration",
        client_id="keyway",
        client_secret="secret",
    )
    response = client.get("/federation/down/start")
    assert response.status_code == 502
    assert _reason() == "discovery_failed"
