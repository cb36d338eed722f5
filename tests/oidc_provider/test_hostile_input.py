"""Bad input to every OIDC endpoint gets a 4xx in the spec's format, never a 500."""

import pytest

pytestmark = pytest.mark.django_db

JUNK_VALUES = [
    "",
    "\x00",
    "%00",
    "é" * 3000,
    "' OR 1=1 --",
    "{}",
    "[]",
    "https://evil.example/",
    "a" * 20000,
]
ENDPOINTS = ["/oauth/token", "/oauth/revoke", "/oauth/introspect", "/oauth/userinfo"]
FIELDS = [
    "grant_type",
    "code",
    "refresh_token",
    "redirect_uri",
    "client_id",
    "client_secret",
    "code_verifier",
    "scope",
    "token",
    "token_type_hint",
    "access_token",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("value", JUNK_VALUES, ids=range(len(JUNK_VALUES)))
def test_junk_form_values_never_cause_a_server_error(client, rp, endpoint, value):
    for field in FIELDS:
        data = {"grant_type": "authorization_code", field: value}
        response = client.post(endpoint, data)
        assert 400 <= response.status_code < 500 or response.status_code == 200, (field, value)
        if response.status_code != 200 and endpoint != "/oauth/userinfo":
            assert "error" in response.json()


@pytest.mark.parametrize("value", JUNK_VALUES, ids=range(len(JUNK_VALUES)))
def test_junk_authorization_parameters_never_cause_a_server_error(signed_in, rp, value):
    for field in [
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "prompt",
        "max_age",
        "code_challenge",
        "code_challenge_method",
        "response_type",
        "id_token_hint",
        "login_hint",
        "claims",
        "request",
        "response_mode",
    ]:
        params = {
            "response_type": "code",
            "client_id": rp.client_id,
            "redirect_uri": "https://rp.example.com/callback",
            "scope": "openid",
            "code_challenge": "x" * 43,
            "code_challenge_method": "S256",
            field: value,
        }
        response = signed_in.get("/oauth/authorize", params)
        assert response.status_code in (200, 302, 400), (field, value, response.status_code)
        if response.status_code == 302:
            location = response["Location"]
            assert location.startswith(("https://rp.example.com/callback", "/signin/")), location


def test_garbage_basic_authorization_headers_are_401(client):
    for header in [
        "Basic",
        "Basic !!!",
        "Basic " + "A" * 5000,
        "Bearer x",
        "Basic Og==",
        "Basic " + "w6k6w6k=",
    ]:
        response = client.post(
            "/oauth/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=header
        )
        assert response.status_code in (400, 401), header


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_invalid_utf8_bodies_never_cause_a_server_error(client, endpoint):
    body = b"grant_type=authorization_code&code=\xed\xa0\x80&token=\xff\xfe&scope=%C3%28"
    response = client.generic(
        "POST", endpoint, body, content_type="application/x-www-form-urlencoded"
    )
    assert 400 <= response.status_code < 500 or response.status_code == 200
