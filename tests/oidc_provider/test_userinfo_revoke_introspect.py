"""UserInfo (OIDC Core 5.3, RFC 6750), revocation (RFC 7009), introspection (RFC 7662)."""

import pytest

from tests.oidc_provider.conftest import Flow, token_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(flow):
    return flow.exchange(flow.get_code(scope="openid profile email groups")).json()


def _bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_userinfo_returns_claims_for_the_granted_scopes(flow, tokens, user):
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.create(name="staff"))
    for method in (flow.browser.get, flow.browser.post):
        response = method("/oauth/userinfo", **_bearer(tokens["access_token"]))
        assert response.status_code == 200
        claims = response.json()
        assert claims["sub"] == str(user.subject)
        assert claims["email"] == user.email
        assert claims["given_name"] == "Alice"
        assert claims["groups"] == ["staff"]
        assert response["Cache-Control"] == "no-store"


def test_userinfo_accepts_the_token_in_a_post_body(flow, tokens):
    response = flow.browser.post("/oauth/userinfo", {"access_token": tokens["access_token"]})
    assert response.status_code == 200


def test_userinfo_refuses_a_token_in_the_query_string(flow, tokens):
    response = flow.browser.get(f"/oauth/userinfo?access_token={tokens['access_token']}")
    assert response.status_code == 401


def test_userinfo_without_token_is_401_with_bare_challenge(client):
    response = client.get("/oauth/userinfo")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="keyway"'


def test_userinfo_with_bad_token_is_invalid_token(client):
    response = client.get("/oauth/userinfo", **_bearer("garbage"))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_userinfo_for_a_deactivated_user_is_refused(flow, tokens, user):
    user.is_active = False
    user.save()
    assert flow.browser.get("/oauth/userinfo", **_bearer(tokens["access_token"])).status_code == 401


def test_revoked_access_token_stops_working(flow, tokens):
    response = flow.browser.post(
        "/oauth/revoke", {"token": tokens["access_token"]}, **flow.rp.basic_auth()
    )
    assert response.status_code == 200
    assert flow.browser.get("/oauth/userinfo", **_bearer(tokens["access_token"])).status_code == 401


def test_revoking_a_refresh_token_stops_refresh(flow, tokens):
    flow.browser.post(
        "/oauth/revoke",
        {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        **flow.rp.basic_auth(),
    )
    response = token_post(
        flow.browser,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **flow.rp.basic_auth(),
    )
    assert response.json()["error"] == "invalid_grant"


def test_revoking_an_unknown_token_is_still_200(flow):
    response = flow.browser.post("/oauth/revoke", {"token": "unknown"}, **flow.rp.basic_auth())
    assert response.status_code == 200


def test_another_client_cannot_revoke_my_token(flow, tokens, make_client):
    other = make_client(name="Other")
    flow.browser.post("/oauth/revoke", {"token": tokens["access_token"]}, **other.basic_auth())
    assert flow.browser.get("/oauth/userinfo", **_bearer(tokens["access_token"])).status_code == 200


def test_revocation_requires_client_authentication(flow, tokens):
    response = flow.browser.post(
        "/oauth/revoke", {"token": tokens["access_token"], "client_id": flow.rp.client_id}
    )
    assert response.status_code == 401


def test_introspection_of_an_active_token(flow, tokens, user):
    response = flow.browser.post(
        "/oauth/introspect", {"token": tokens["access_token"]}, **flow.rp.basic_auth()
    )
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == flow.rp.client_id
    assert body["sub"] == str(user.subject)
    assert "openid" in body["scope"].split()
    assert body["token_type"] == "Bearer"


def test_introspection_of_a_refresh_token(flow, tokens):
    body = flow.browser.post(
        "/oauth/introspect",
        {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        **flow.rp.basic_auth(),
    ).json()
    assert body["active"] is True
    assert body["token_type"] == "refresh_token"


def test_introspection_of_unknown_or_revoked_tokens_is_inactive(flow, tokens):
    flow.browser.post("/oauth/revoke", {"token": tokens["access_token"]}, **flow.rp.basic_auth())
    for token in ("unknown", tokens["access_token"]):
        body = flow.browser.post(
            "/oauth/introspect", {"token": token}, **flow.rp.basic_auth()
        ).json()
        assert body == {"active": False}


def test_introspection_hides_other_clients_tokens_unless_resource_server(flow, tokens, make_client):
    other = make_client(name="Other")
    assert flow.browser.post(
        "/oauth/introspect", {"token": tokens["access_token"]}, **other.basic_auth()
    ).json() == {"active": False}
    other.client.may_introspect = True
    other.client.save()
    assert (
        flow.browser.post(
            "/oauth/introspect", {"token": tokens["access_token"]}, **other.basic_auth()
        ).json()["active"]
        is True
    )


def test_introspection_needs_authentication(flow, tokens, make_client, signed_in):
    assert (
        flow.browser.post("/oauth/introspect", {"token": tokens["access_token"]}).status_code == 401
    )
    public = make_client(name="SPA", client_type="public")
    assert (
        Flow(signed_in, public)
        .browser.post(
            "/oauth/introspect", {"token": tokens["access_token"], "client_id": public.client_id}
        )
        .status_code
        == 401
    )
