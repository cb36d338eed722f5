"""GET /oauth/jwks: the published public keys (RFC 7517 section 5)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from jwcrypto import jwk, jwt

from apps.oidc_provider.key_services import signing_key_create, signing_keys_rotate
from apps.oidc_provider.keys import jwt_sign, keys_cache_clear

pytestmark = pytest.mark.django_db

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    keys_cache_clear()
    yield
    keys_cache_clear()


def _get(client):
    return client.get(reverse("oidc:jwks"))


def test_jwks_url_is_oauth_jwks():
    assert reverse("oidc:jwks") == "/oauth/jwks"


def test_jwks_lists_every_published_key_with_kid_kty_alg_and_use(client):
    rs = signing_key_create(algorithm="RS256", active_from=timezone.now())
    es = signing_key_create(algorithm="ES256", active_from=timezone.now())
    pending = signing_key_create(algorithm="RS256")  # active after the activation delay

    response = _get(client)

    assert response.status_code == 200
    published = {key["kid"]: key for key in response.json()["keys"]}
    assert set(published) == {rs.kid, es.kid, pending.kid}
    for key in published.values():
        assert key["use"] == "sig"
        assert {"kid", "kty", "alg", "use"} <= set(key)
    assert (published[rs.kid]["kty"], published[rs.kid]["alg"]) == ("RSA", "RS256")
    assert (published[es.kid]["kty"], published[es.kid]["alg"]) == ("EC", "ES256")
    assert published[es.kid]["crv"] == "P-256"


def test_jwks_has_no_private_members(client):
    signing_key_create(algorithm="RS256", active_from=timezone.now())
    signing_key_create(algorithm="ES256", active_from=timezone.now())
    body = _get(client).content.decode()
    for key in json.loads(body)["keys"]:
        assert not PRIVATE_MEMBERS & set(key)
        assert not jwk.JWK(**key).has_private


def test_jwks_is_cacheable_json(client):
    response = _get(client)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=600"
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


@override_settings(KEYWAY={"JWKS_MAX_AGE": 300, "SIGNING_KEY_ACTIVATION_DELAY": 3600})
def test_jwks_max_age_follows_the_setting(client):
    assert _get(client)["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("method", ["post", "put", "delete", "head"])
def test_jwks_answers_get_only(client, method):
    response = getattr(client, method)(reverse("oidc:jwks"))
    assert response.status_code == 405
    assert response["Allow"] == "GET"


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_a_relying_party_verifies_id_tokens_with_the_served_jwks_alone(client, algorithm):
    now = int(time.time())
    claims = {"iss": "http://testserver", "sub": "s", "aud": "rp", "iat": now, "exp": now + 60}
    token = jwt_sign(claims=claims, algorithm=algorithm)

    key_set = jwk.JWKSet.from_json(_get(client).content)
    verified = jwt.JWT(jwt=token, key=key_set, algs=[algorithm], expected_type="JWS")
    assert json.loads(verified.claims) == claims


def test_a_rotated_key_is_served_before_it_signs(client):
    old = signing_key_create(algorithm="ES256", active_from=timezone.now() - timedelta(days=1))
    _get(client)  # warm cache: rotation in this process clears it
    (new,) = signing_keys_rotate(algorithms=["ES256"], activation_delay=3600)

    kids = {key["kid"] for key in _get(client).json()["keys"]}
    token = jwt_sign(claims={"sub": "s", "exp": int(time.time()) + 60}, algorithm="ES256")
    assert {old.kid, new.kid} <= kids
    assert jwt.JWT(jwt=token).token.jose_header["kid"] == old.kid


def test_jwks_makes_no_database_query_when_warm(client, django_assert_num_queries):
    _get(client)  # first boot: creates a key per algorithm, then caches them
    with django_assert_num_queries(0):
        for _ in range(5):
            assert _get(client).status_code == 200
