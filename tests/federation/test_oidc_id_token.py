"""ID token validation against an upstream's discovery document and JWKS (OIDC Core
3.1.3.7), served over real HTTP by a static server; tokens signed with joserfc."""

from __future__ import annotations

import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from apps.federation.errors import FederationRejected
from apps.federation.oidc_rp import client as oidc

pytestmark = pytest.mark.django_db

KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
NONCE = "n-0S6_WzA2Mj"


@pytest.fixture
def upstream(static_server) -> oidc.Upstream:
    issuer = static_server.url
    static_server.put(
        "/.well-known/openid-configuration",
        json.dumps(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/auth",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
                "userinfo_endpoint": f"{issuer}/me",
            }
        ),
    )
    static_server.put("/jwks", json.dumps(KeySet([KEY]).as_dict(private=False)))
    return oidc.Upstream(
        discovery_url=f"{issuer}/.well-known/openid-configuration",
        client_id="keyway",
        client_secret="s",
        scopes="openid",
        redirect_uri="http://testserver/cb",
        timeout=5,
        skew_seconds=60,
    )


def _claims(upstream: oidc.Upstream, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": upstream.discovery_url.removesuffix(oidc.WELL_KNOWN),
        "sub": "u1",
        "aud": "keyway",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims: dict, key=KEY, alg: str = "RS256", kid: str = "k1") -> str:
    return jwt.encode({"alg": alg, "kid": kid}, claims, key)


def _validate(upstream, token: str) -> dict:
    return oidc.id_token_validate(upstream=upstream, id_token=token, nonce=NONCE)


def test_a_good_id_token_is_accepted(upstream):
    assert _validate(upstream, _token(_claims(upstream)))["sub"] == "u1"


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example"},
        {"aud": "someone-else"},
        {"aud": ["keyway", "other"]},  # several audiences and no azp
        {"nonce": "replayed-nonce"},
        {"nonce": None},
        {"exp": int(time.time()) - 3600},
        {"sub": None},
    ],
    ids=["issuer", "audience", "azp", "nonce", "no-nonce", "expired", "no-sub"],
)
def test_claims_that_do_not_fit_are_refused(upstream, overrides):
    with pytest.raises(FederationRejected) as refused:
        _validate(upstream, _token(_claims(upstream, **overrides)))
    assert refused.value.reason == "id_token_invalid"


def test_an_hmac_token_keyed_with_anything_is_refused(upstream):
    token = _token(_claims(upstream), key=OctKey.import_key(b"x" * 32), alg="HS256")
    with pytest.raises(FederationRejected):
        _validate(upstream, token)


def test_a_token_signed_by_a_stranger_under_a_known_kid_is_refused(upstream):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(FederationRejected) as refused:
        _validate(upstream, _token(_claims(upstream), key=stranger))
    assert refused.value.reason == "id_token_invalid"


def test_an_unknown_kid_fetches_the_jwks_once_more_then_gives_up(upstream, static_server):
    _validate(upstream, _token(_claims(upstream)))  # JWKS now cached
    fetches = static_server.hits.count("/jwks")
    other = RSAKey.generate_key(2048, parameters={"kid": "k9"})
    with pytest.raises(FederationRejected) as refused:
        _validate(upstream, _token(_claims(upstream), key=other, kid="k9"))
    assert refused.value.reason == "id_token_unknown_key"
    assert static_server.hits.count("/jwks") == fetches + 1


def test_a_discovery_document_for_another_issuer_is_refused(upstream, static_server):
    static_server.put(
        "/.well-known/openid-configuration",
        json.dumps(
            {"issuer": "https://evil.example", "authorization_endpoint": "x",
             "token_endpoint": "x", "jwks_uri": "x"}
        ),
    )  # fmt: skip
    with pytest.raises(FederationRejected) as refused:
        oidc.provider_metadata(upstream)
    assert refused.value.reason == "discovery_issuer_mismatch"


def test_userinfo_for_another_subject_is_refused(upstream, static_server):
    static_server.put("/me", json.dumps({"sub": "someone-else", "email": "x@corp.example"}))
    with pytest.raises(FederationRejected) as refused:
        oidc.userinfo_get(upstream=upstream, access_token="at", subject="u1")
    assert refused.value.reason == "userinfo_subject_mismatch"
