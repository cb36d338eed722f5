"""Keyway as an OpenID Connect relying party of an upstream provider, with authlib's OAuth
client and joserfc for the ID token.

- Discovery (OIDC Discovery 1.0 section 4.3): the document's ``issuer`` must be the URL it
  was fetched under, minus ``/.well-known/openid-configuration``.
- Authorization code flow with PKCE S256 (RFC 7636), ``state`` and ``nonce`` (OIDC Core
  3.1.2.1), RFC 9207 ``iss`` in the response when the provider says it sends it.
- ID token validation (OIDC Core 3.1.3.7): signature with a key from the provider's JWKS
  (asymmetric algorithms only, never ``none`` or HMAC with a public key), ``iss``, ``aud``
  containing the client id (and ``azp`` when there are several audiences), ``exp``,
  ``iat``, ``nonce``. A ``kid`` not in the cached JWKS fetches it again once: that is how a
  provider's key rollover looks from here.
- UserInfo (OIDC Core 5.3.2): its ``sub`` must be the ID token's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from apps.federation.errors import FederationRejected

WELL_KNOWN = "/.well-known/openid-configuration"
ID_TOKEN_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
METADATA_CACHE_SECONDS = 3600
_REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


@dataclass(frozen=True)
class Upstream:
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    redirect_uri: str
    timeout: float
    skew_seconds: int


def _get_json(url: str, *, timeout: float, reason: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise FederationRejected(reason, detail=f"{url}: {error}", status=502) from error
    if not isinstance(document, dict):
        raise FederationRejected(reason, detail=f"{url}: not a JSON object", status=502)
    return document


def provider_metadata(upstream: Upstream, *, refresh: bool = False) -> dict[str, Any]:
    key = f"federation:oidc:metadata:{upstream.discovery_url}"
    document = None if refresh else cache.get(key)
    if document is None:
        document = _get_json(
            upstream.discovery_url, timeout=upstream.timeout, reason="discovery_failed"
        )
        missing = [name for name in _REQUIRED_METADATA if not document.get(name)]
        if missing:
            raise FederationRejected("discovery_failed", detail=f"missing {missing}", status=502)
        expected = upstream.discovery_url.removesuffix(WELL_KNOWN)
        if document["issuer"].rstrip("/") != expected.rstrip("/"):
            raise FederationRejected(
                "discovery_issuer_mismatch", detail=document["issuer"], status=502
            )
        cache.set(key, document, METADATA_CACHE_SECONDS)
    return document


def _key_set(jwks_uri: str, *, timeout: float, refresh: bool) -> KeySet:
    key = f"federation:oidc:jwks:{jwks_uri}"
    jwks = None if refresh else cache.get(key)
    if jwks is None:
        jwks = _get_json(jwks_uri, timeout=timeout, reason="jwks_failed")
        cache.set(key, jwks, METADATA_CACHE_SECONDS)
    try:
        return KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError) as error:
        raise FederationRejected("jwks_failed", detail=str(error), status=502) from error


def _session(upstream: Upstream) -> OAuth2Session:
    return OAuth2Session(
        client_id=upstream.client_id,
        client_secret=upstream.client_secret,
        scope=upstream.scopes,
        redirect_uri=upstream.redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )


def authorization_url(*, upstream: Upstream, state: str, nonce: str, code_verifier: str) -> str:
    metadata = provider_metadata(upstream)
    url, _ = _session(upstream).create_authorization_url(
        metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=code_verifier
    )
    return url


def code_exchange(*, upstream: Upstream, code: str, code_verifier: str) -> dict[str, Any]:
    metadata = provider_metadata(upstream)
    session = _session(upstream)
    try:
        token = session.fetch_token(
            metadata["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
            timeout=upstream.timeout,
        )
    except (OAuth2Error, requests.RequestException, ValueError) as error:
        raise FederationRejected("token_exchange_failed", detail=str(error), status=502) from error
    if not token.get("id_token") or not token.get("access_token"):
        raise FederationRejected("token_exchange_failed", detail="no id_token", status=502)
    return dict(token)


def id_token_validate(*, upstream: Upstream, id_token: str, nonce: str) -> dict[str, Any]:
    metadata = provider_metadata(upstream)
    decoded = None
    for refresh in (False, True):
        keys = _key_set(metadata["jwks_uri"], timeout=upstream.timeout, refresh=refresh)
        try:
            decoded = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
            break
        except InvalidKeyIdError:
            continue  # a key we have not seen yet: fetch the JWKS once more
        except (JoseError, ValueError) as error:
            raise FederationRejected("id_token_invalid", detail=str(error)) from error
    if decoded is None:
        raise FederationRejected("id_token_unknown_key")
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=upstream.skew_seconds,
        iss={"essential": True, "value": metadata["issuer"]},
        sub={"essential": True},
        aud={"essential": True, "value": upstream.client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        raise FederationRejected("id_token_invalid", detail=str(error)) from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != upstream.client_id:
        raise FederationRejected("id_token_invalid", detail="azp is not this client")
    return dict(claims)


def userinfo_get(*, upstream: Upstream, access_token: str, subject: str) -> dict[str, Any]:
    metadata = provider_metadata(upstream)
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint:
        return {}
    try:
        response = requests.get(
            endpoint, timeout=upstream.timeout, headers={"Authorization": f"Bearer {access_token}"}
        )
        response.raise_for_status()
        claims = response.json()
    except (requests.RequestException, ValueError) as error:
        raise FederationRejected("userinfo_failed", detail=str(error), status=502) from error
    if not isinstance(claims, dict) or claims.get("sub") != subject:
        raise FederationRejected("userinfo_subject_mismatch")
    return claims


def end_session_url(*, upstream: Upstream, id_token: str, post_logout_redirect_uri: str) -> str:
    """RP-Initiated Logout 1.0 at the upstream, when it has an end_session_endpoint."""
    try:
        endpoint = provider_metadata(upstream).get("end_session_endpoint")
    except FederationRejected:
        return ""
    if not endpoint:
        return ""
    from urllib.parse import urlencode

    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": upstream.client_id,
            "post_logout_redirect_uri": post_logout_redirect_uri,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
