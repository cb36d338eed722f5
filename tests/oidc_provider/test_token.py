"""The token endpoint: RFC 6749 4.1.3/5.1/5.2/6, RFC 7636 4.6, OIDC Core 3.1.3."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jwcrypto import jwk, jws, jwt
from oauth2_provider.models import get_grant_model

from apps.oidc_provider.keys import jwks_public
from tests.oidc_provider.conftest import REDIRECT_URI, Flow, pkce_pair, token_post

pytestmark = pytest.mark.django_db


def _verified_claims(id_token: str) -> dict:
    """Verify the ID token the way a relying party would: against the published JWKS."""
    keyset = jwk.JWKSet.from_json(json.dumps(jwks_public()))
    return json.loads(jwt.JWT(jwt=id_token, key=keyset, algs=["RS256", "ES256"]).claims)


def test_code_exchange_returns_tokens_and_a_signed_id_token(flow, user):
    response = flow.exchange(flow.get_code())
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert {"access_token", "refresh_token", "id_token", "expires_in", "scope"} <= set(body)
    claims = _verified_claims(body["id_token"])
    assert claims["iss"] == "http://testserver"
    assert claims["aud"] == flow.rp.client_id
    assert claims["sub"] == str(user.subject)
    assert claims["nonce"] == flow.nonce
    assert claims["email"] == user.email
    assert claims["amr"] == ["pwd"]
    assert {"exp", "iat", "auth_time", "sid", "at_hash", "acr"} <= set(claims)


def test_es256_client_gets_an_es256_id_token(make_client, signed_in):
    flow = Flow(signed_in, make_client(algorithm="ES256"))
    id_token = flow.exchange(flow.get_code()).json()["id_token"]
    token = jws.JWS()
    token.deserialize(id_token)
    assert token.jose_header["alg"] == "ES256"
    assert _verified_claims(id_token)["aud"] == flow.rp.client_id


def test_wrong_pkce_verifier_is_invalid_grant(flow):
    code = flow.get_code()
    other_verifier, _ = pkce_pair()
    response = flow.exchange(code, verifier=other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_missing_verifier_is_refused(flow):
    response = token_post(
        flow.browser,
        {"grant_type": "authorization_code", "code": flow.get_code(), "redirect_uri": REDIRECT_URI},
        **flow.rp.basic_auth(),
    )
    assert response.status_code == 400


def test_reused_code_is_invalid_grant_and_revokes_what_it_issued(flow):
    code = flow.get_code()
    first = flow.exchange(code).json()
    second = flow.exchange(code)
    assert second.status_code == 400
    assert second.json() == {
        "error": "invalid_grant",
        "error_description": "The authorization code was already used.",
    }
    userinfo = flow.browser.get(
        "/oauth/userinfo", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}"
    )
    assert userinfo.status_code == 401
    refresh = token_post(
        flow.browser,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        **flow.rp.basic_auth(),
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_expired_code_is_invalid_grant(flow):
    code = flow.get_code()
    get_grant_model().objects.filter(code=code).update(expires=timezone.now())
    assert flow.exchange(code).json()["error"] == "invalid_grant"


def test_another_clients_code_is_invalid_grant(flow, make_client):
    code = flow.get_code()
    thief = make_client(name="Thief")
    response = Flow(flow.browser, thief).exchange(code, verifier=flow.verifier)
    assert response.json()["error"] == "invalid_grant"


def test_redirect_uri_must_repeat_the_authorization_requests(flow):
    code = flow.get_code()
    assert (
        flow.exchange(code, redirect_uri="https://rp.example.com/other").json()["error"]
        == "invalid_grant"
    )


def test_wrong_secret_is_401_with_a_basic_challenge(flow):
    code = flow.get_code()
    flow.rp.secret = "not-the-secret"
    response = flow.exchange(code)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic")


def test_client_must_use_its_registered_authentication_method(flow):
    code = flow.get_code()
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": flow.verifier,
        "client_id": flow.rp.client_id,
        "client_secret": flow.rp.secret,
    }
    response = token_post(flow.browser, data)  # client_secret_post, but basic is registered
    assert response.status_code == 401


def test_two_authentication_methods_at_once_are_refused(flow):
    code = flow.get_code()
    response = flow.exchange(code, client_secret=flow.rp.secret)
    assert response.status_code == 401


def test_public_client_exchanges_with_pkce_and_no_secret(make_client, signed_in):
    public = make_client(client_type="public")
    flow = Flow(signed_in, public)
    response = flow.exchange(flow.get_code())
    assert response.status_code == 200
    assert "id_token" in response.json()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            "grant_type=authorization_code&grant_type=refresh_token",
            "application/x-www-form-urlencoded",
        ),
        ('{"grant_type": "client_credentials"}', "application/json"),
        ("code=abc", "application/x-www-form-urlencoded"),
        ("grant_type=client_credentials&scope=" + "x" * 5000, "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_token_requests_are_400_invalid_request(client, body, content_type):
    response = client.post("/oauth/token", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("grant_type", ["password", "implicit", "urn:x:custom"])
def test_unsupported_grants_are_refused(flow, grant_type):
    response = token_post(
        flow.browser,
        {"grant_type": grant_type, "username": "a", "password": "b"},
        **flow.rp.basic_auth(),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_client_credentials_grant_issues_an_access_token_only(make_client, client):
    service = make_client(
        name="Service", grant_types=["client_credentials"], redirect_uris=[], scopes=["groups"]
    )
    response = token_post(
        client, {"grant_type": "client_credentials", "scope": "groups"}, **service.basic_auth()
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}


def test_client_not_registered_for_a_grant_is_unauthorized(flow):
    response = token_post(
        flow.browser, {"grant_type": "client_credentials"}, **flow.rp.basic_auth()
    )
    assert response.json()["error"] == "unauthorized_client"


def test_refresh_rotates_and_reuse_revokes_the_family(flow):
    first = flow.exchange(flow.get_code()).json()
    refreshed = token_post(
        flow.browser,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        **flow.rp.basic_auth(),
    )
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    claims = _verified_claims(second["id_token"])
    assert claims["auth_time"] == _verified_claims(first["id_token"])["auth_time"]
    # Replaying the spent refresh token revokes the whole family (RFC 9700 4.14.2).
    replay = token_post(
        flow.browser,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        **flow.rp.basic_auth(),
    )
    assert replay.json()["error"] == "invalid_grant"
    current = token_post(
        flow.browser,
        {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        **flow.rp.basic_auth(),
    )
    assert current.json()["error"] == "invalid_grant"


def test_client_without_refresh_grant_gets_no_refresh_token(make_client, signed_in):
    flow = Flow(signed_in, make_client(grant_types=["authorization_code"]))
    assert "refresh_token" not in flow.exchange(flow.get_code()).json()


def test_token_endpoint_query_count_is_small_and_bounded(flow):
    """The code exchange, with the signing key cached (steady state), runs twelve
    statements: read the grant, the client and the authorization; spend the code; read the
    grant's resource (DOT); insert the access and refresh tokens; delete the grant; record
    the tokens on the authorization; find the sign-on session and record the client as its
    participant; insert the audit event. Transaction savepoints aside."""
    flow.exchange(flow.get_code())  # warms the key store
    code = flow.get_code()
    with CaptureQueriesContext(connection) as queries:
        assert flow.exchange(code).status_code == 200
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    assert len(statements) == 12, "\n".join(sql[:100] for sql in statements)
