"""A real third-party relying party, panva's openid-client (npm, v6), against a live Keyway.

pytest plays both other parties: openid_client_rp.mjs is the relying party (each step one
`node` call, JSON in and out, with openid-client doing every check it normally does), and
oidc_user_agent.py is the person with a browser who signs in and answers the consent page
over HTTP. The server is Django's live server on a loopback port, with the issuer set to
its URL.

openid-client runs with its defaults plus ID token signature checks against the JWKS
(``enableNonRepudiationChecks``; by default it trusts TLS for tokens from the token endpoint).
When it refuses something, the test fails with openid-client's own error (name, code,
message, the OAuth error and its description, the cause) and every HTTP exchange it made:
exactly what a relying party in the field would have seen.
"""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from oauth2_provider.settings import oauth2_settings

from tests.conftest import PASSWORD
from tests.interop.oidc_user_agent import Journey, UserAgent, authorize

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

    from apps.accounts.models import User

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]

RP_SCRIPT = "openid_client_rp.mjs"
# Loopback http is allowed for redirect URIs (RFC 8252 8.3). Nothing listens here: the
# person stops at the redirect and hands its URL to the RP, as a browser would deliver it.
REDIRECT_URI = "http://127.0.0.1:8765/interop/callback"
SCOPES = ["openid", "profile", "email", "offline_access"]
SCOPE = "openid profile email"
# OIDC Core 11: a relying party asking for offline_access also asks for prompt=consent.
OFFLINE = {
    "scope": "openid profile email offline_access",
    "extra_parameters": {"prompt": "consent"},
}


class RPError(AssertionError):
    """openid-client refused a step (or failed to run): its error and HTTP exchanges."""


def _pretty(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False)


# --- The parties ---------------------------------------------------------------------------


@pytest.fixture
def issuer(live_server: LiveServer, settings) -> str:
    """Keyway's issuer is the live server's URL, exactly as the RP discovers it."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    # django-oauth-toolkit caches its settings; it reloads them on setting_changed.
    assert live_server.url == oauth2_settings.OIDC_ISS_ENDPOINT
    return live_server.url


@pytest.fixture
def make_client(issuer: str) -> Callable[..., dict[str, str]]:
    """Register a relying party; returns what the RP is configured with."""
    from apps.oidc_provider.client_services import client_create

    def make(
        *,
        client_type: str = "confidential",
        skip_consent: bool = False,
        name: str = "Interop RP",
        **options: str,  # token_endpoint_auth_method, client_id
    ) -> dict[str, str]:
        client, secret = client_create(
            name=name,
            client_type=client_type,
            redirect_uris=[REDIRECT_URI],
            scopes=SCOPES,
            grant_types=["authorization_code", "refresh_token"],
            skip_consent=skip_consent,
            **options,
        )
        config = {
            "issuer": issuer,
            "client_id": client.client_id,
            "redirect_uri": REDIRECT_URI,
            "token_endpoint_auth_method": client.token_endpoint_auth_method,
        }
        if client_type == "confidential":
            assert secret, "a confidential client needs its plaintext secret"
            config["client_secret"] = secret
        return config

    return make


@pytest.fixture
def rp(node_peer) -> Callable[..., dict[str, Any]]:
    """Run one RP step. ``rp(step, config, **fields)``: the parsed JSON result.

    A refusal comes back as ``{"ok": False, "error": ...}``; tests that expect success use
    ``ok(...)``, which turns a refusal into a failure showing everything the RP saw.
    """

    def run(step: str, config: dict[str, str], **fields: Any) -> dict[str, Any]:
        payload = json.dumps({**config, **fields})
        try:
            out = node_peer(RP_SCRIPT, step, stdin=payload)
        except subprocess.CalledProcessError as failed:
            out = failed.stdout.decode("utf-8")
            if not out.startswith("{"):
                raise RPError(
                    f"{RP_SCRIPT} {step} crashed (exit {failed.returncode}):\n"
                    f"{failed.stderr.decode('utf-8', 'replace')}"
                ) from failed
        return json.loads(out)

    return run


def ok(result: dict[str, Any], step: str) -> dict[str, Any]:
    if not result.get("ok"):
        raise RPError(f"openid-client refused the {step} step:\n{_pretty(result)}")
    return result


def refused(result: dict[str, Any], step: str) -> dict[str, Any]:
    """The step failed as a refusal by the server; returns openid-client's error."""
    if result.get("ok"):
        raise AssertionError(f"the server accepted the {step} step:\n{_pretty(result)}")
    return result["error"]


def person(issuer: str) -> UserAgent:
    return UserAgent(issuer)


def sign_in_and_authorize(
    rp,
    config: dict[str, str],
    user: User,
    *,
    decision: str = "allow",
    agent: UserAgent | None = None,
    **start: Any,
) -> tuple[dict[str, Any], Journey]:
    """``start`` at the RP, then the person signs in and decides; returns (secrets, journey).

    A new person (no cookies) unless ``agent`` is one who has been here before.
    """
    begun = ok(rp("start", config, **{"scope": SCOPE, **start}), "start")
    journey = authorize(
        agent or person(config["issuer"]),
        begun["url"],
        email=user.email,
        password=PASSWORD,
        decision=decision,
    )
    return begun, journey


def callback(
    rp, config: dict[str, str], begun: dict[str, Any], journey: Journey, **checks: Any
) -> dict[str, Any]:
    """The RP receives the authorization response: its checks, then the code exchange."""
    return rp(
        "callback",
        config,
        callback_url=journey.callback_url,
        state=begun["state"],
        nonce=begun["nonce"],
        code_verifier=begun["code_verifier"],
        **checks,
    )


def code_flow(rp, config: dict[str, str], user: User, **start: Any) -> dict[str, Any]:
    """The whole authorization code flow; returns the RP's callback result."""
    begun, journey = sign_in_and_authorize(rp, config, user, **start)
    return ok(callback(rp, config, begun, journey), "callback (authorization code grant)")


def callback_parameters(journey: Journey) -> dict[str, str]:
    parts = urllib.parse.urlsplit(journey.callback_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI, journey.callback_url
    return dict(urllib.parse.parse_qsl(parts.query))


def signature_checked(result: dict[str, Any]) -> bool:
    """openid-client fetched the JWKS the discovery document names (to verify a signature)."""
    discovery, *rest = result["http"]
    jwks_uri = json.loads(discovery["response_body"])["jwks_uri"]
    return any(x["url"] == jwks_uri and x["status"] == 200 for x in rest)


def audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims["aud"]
    return [aud] if isinstance(aud, str) else list(aud)


def challenge_error(error: dict[str, Any]) -> str | None:
    """The ``error`` of a WWW-Authenticate challenge openid-client reported, if any."""
    for challenge in error.get("cause") or []:
        if isinstance(challenge, dict):
            return (challenge.get("parameters") or {}).get("error")
    return None


# --- Tests ---------------------------------------------------------------------------------


def test_discovery_document_is_accepted_by_openid_client(rp, issuer, make_client):
    config = make_client()

    metadata = ok(rp("discover", config), "discovery")["metadata"]

    assert metadata["issuer"] == issuer
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "code" in metadata["response_types_supported"]
    for endpoint in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
    ):
        assert metadata[endpoint].startswith(issuer + "/"), (endpoint, metadata[endpoint])
    assert metadata.get("authorization_response_iss_parameter_supported") is True
    # RFC 8414's location (openid-client's "oauth2" discovery) serves the same issuer.
    oauth2 = ok(rp("discover", config, discovery="oauth2"), "RFC 8414 discovery")
    assert oauth2["http"][0]["url"] == f"{issuer}/.well-known/oauth-authorization-server"
    assert oauth2["metadata"]["issuer"] == issuer


def test_openid_client_completes_code_flow_with_pkce_and_validates_id_token(
    rp, issuer, make_client, user
):
    config = make_client()
    begun, journey = sign_in_and_authorize(rp, config, user)

    assert journey.signed_in
    assert journey.consent_shown
    parameters = callback_parameters(journey)
    assert set(parameters) >= {"code", "state", "iss"}, parameters
    assert parameters["state"] == begun["state"]
    assert parameters["iss"] == issuer

    result = ok(
        callback(rp, config, begun, journey),
        "callback (authorization code grant)",
    )

    claims = result["claims"]  # validated by openid-client: signature via the JWKS, iss, aud
    assert signature_checked(result), _pretty(result)
    assert claims["iss"] == issuer
    assert config["client_id"] in audiences(claims)
    assert claims["sub"] == str(user.subject)
    assert claims["nonce"] == begun["nonce"]
    assert claims["email"] == user.email
    tokens = result["tokens"]
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["access_token"]
    assert tokens["id_token"]


def test_openid_client_fetches_userinfo_with_the_access_token(rp, make_client, user):
    config = make_client()
    result = code_flow(rp, config, user)

    # The callback step asked userinfo for the ID token's sub (openid-client checks it).
    assert "userinfo_error" not in result, _pretty(result)
    assert result["userinfo"]["sub"] == result["claims"]["sub"] == str(user.subject)
    assert result["userinfo"]["email"] == user.email
    assert result["userinfo"]["given_name"] == "Alice"
    assert result["userinfo"]["family_name"] == "Example"

    again = ok(
        rp(
            "userinfo",
            config,
            access_token=result["tokens"]["access_token"],
            expected_sub=str(user.subject),
        ),
        "userinfo",
    )
    assert again["userinfo"] == result["userinfo"]


def test_refresh_rotates_and_the_old_refresh_token_is_refused(rp, issuer, make_client, user):
    config = make_client()
    first = code_flow(rp, config, user, **OFFLINE)
    old_refresh = first["tokens"]["refresh_token"]
    assert old_refresh, f"no refresh token for offline_access:\n{_pretty(first)}"

    refreshed = ok(rp("refresh", config, refresh_token=old_refresh), "refresh")

    new = refreshed["tokens"]
    assert new["access_token"]
    assert new["access_token"] != first["tokens"]["access_token"]
    assert new["refresh_token"]
    assert new["refresh_token"] != old_refresh
    if refreshed["claims"] is not None:  # a refreshed ID token (OIDC Core 12.2)
        assert signature_checked(refreshed), _pretty(refreshed)
        assert refreshed["claims"]["iss"] == issuer
        assert refreshed["claims"]["sub"] == first["claims"]["sub"]
        assert config["client_id"] in audiences(refreshed["claims"])
        if "auth_time" in first["claims"]:
            assert refreshed["claims"]["auth_time"] == first["claims"]["auth_time"]
    ok(
        rp("userinfo", config, access_token=new["access_token"], expected_sub=str(user.subject)),
        "userinfo with the refreshed access token",
    )

    error = refused(rp("refresh", config, refresh_token=old_refresh), "refresh with the old token")
    assert error.get("error") == "invalid_grant", _pretty(error)
    assert error.get("status") == 400, _pretty(error)


def test_replaying_an_old_refresh_token_revokes_its_successor(rp, make_client, user):
    """RFC 9700 section 4.14.2: reuse of a rotated refresh token ends the whole family."""
    config = make_client()
    first = code_flow(rp, config, user, **OFFLINE)
    old_refresh = first["tokens"]["refresh_token"]
    new_refresh = ok(rp("refresh", config, refresh_token=old_refresh), "refresh")["tokens"][
        "refresh_token"
    ]

    refused(rp("refresh", config, refresh_token=old_refresh), "refresh with the old token")

    error = refused(
        rp("refresh", config, refresh_token=new_refresh), "refresh with the successor token"
    )
    assert error.get("error") == "invalid_grant", _pretty(error)


def test_revoked_access_token_no_longer_reaches_userinfo(rp, make_client, user):
    config = make_client()
    result = code_flow(rp, config, user)
    access_token = result["tokens"]["access_token"]
    before = ok(rp("introspect", config, token=access_token), "introspection")
    assert before["introspection"]["active"] is True, _pretty(before)

    ok(rp("revoke", config, token=access_token, token_type_hint="access_token"), "revocation")

    error = refused(
        rp("userinfo", config, access_token=access_token), "userinfo with a revoked token"
    )
    assert error.get("code") == "OAUTH_WWW_AUTHENTICATE_CHALLENGE", _pretty(error)
    assert error.get("status") == 401, _pretty(error)
    assert challenge_error(error) == "invalid_token", _pretty(error)
    after = ok(rp("introspect", config, token=access_token), "introspection after revocation")
    assert after["introspection"]["active"] is False, _pretty(after)


def test_revoked_refresh_token_can_no_longer_be_used(rp, make_client, user):
    config = make_client()
    result = code_flow(rp, config, user, **OFFLINE)
    refresh_token = result["tokens"]["refresh_token"]

    ok(rp("revoke", config, token=refresh_token, token_type_hint="refresh_token"), "revocation")

    error = refused(rp("refresh", config, refresh_token=refresh_token), "refresh after revocation")
    assert error.get("error") == "invalid_grant", _pretty(error)
    after = ok(rp("introspect", config, token=refresh_token), "introspection after revocation")
    assert after["introspection"]["active"] is False, _pretty(after)


def test_public_client_with_pkce_and_no_secret(rp, issuer, make_client, user):
    config = make_client(client_type="public")
    assert "client_secret" not in config
    assert config["token_endpoint_auth_method"] == "none"

    result = code_flow(rp, config, user, **OFFLINE)

    assert result["claims"]["iss"] == issuer
    assert result["claims"]["sub"] == str(user.subject)
    assert config["client_id"] in audiences(result["claims"])
    assert "userinfo_error" not in result, _pretty(result)
    # The token request: no Authorization header, the client_id in the body, no secret.
    (token_request,) = [x for x in result["http"] if x["method"] == "POST"]
    assert token_request["authorization"] is None, token_request
    body = dict(urllib.parse.parse_qsl(token_request["request_body"]))
    assert body["client_id"] == config["client_id"]
    assert "client_secret" not in body


def test_public_client_refreshes_and_revokes_with_its_client_id_alone(rp, make_client, user):
    config = make_client(client_type="public")
    first = code_flow(rp, config, user, **OFFLINE)
    old_refresh = first["tokens"]["refresh_token"]
    assert old_refresh, f"no refresh token for offline_access:\n{_pretty(first)}"

    new_refresh = ok(rp("refresh", config, refresh_token=old_refresh), "refresh")["tokens"][
        "refresh_token"
    ]
    assert new_refresh
    assert new_refresh != old_refresh
    error = refused(rp("refresh", config, refresh_token=old_refresh), "refresh with the old token")
    assert error.get("error") == "invalid_grant", _pretty(error)

    other = code_flow(rp, config, user, **OFFLINE)["tokens"]["refresh_token"]
    ok(rp("revoke", config, token=other, token_type_hint="refresh_token"), "revocation")
    error = refused(rp("refresh", config, refresh_token=other), "refresh after revocation")
    assert error.get("error") == "invalid_grant", _pretty(error)


def test_client_secret_post_client(rp, make_client, user):
    config = make_client(token_endpoint_auth_method="client_secret_post")

    result = code_flow(rp, config, user)

    assert result["claims"]["sub"] == str(user.subject)
    (token_request,) = [x for x in result["http"] if x["method"] == "POST"]
    assert token_request["authorization"] is None, token_request
    body = dict(urllib.parse.parse_qsl(token_request["request_body"]))
    assert body["client_secret"] == config["client_secret"]


def test_basic_auth_client_id_is_form_decoded(rp, make_client, user):
    """RFC 6749 section 2.3.1: client_id and secret are form-encoded before Basic; openid-client
    does so, so a client_id with reserved characters arrives percent-encoded."""
    config = make_client(client_id="interop.rp+test/1~a@example.org")

    result = code_flow(rp, config, user)

    assert config["client_id"] in audiences(result["claims"])
    ok(rp("introspect", config, token=result["tokens"]["access_token"]), "introspection")


def test_first_party_client_skips_consent(rp, make_client, user):
    config = make_client(skip_consent=True)
    begun, journey = sign_in_and_authorize(rp, config, user)

    assert journey.signed_in
    assert not journey.consent_shown
    assert set(callback_parameters(journey)) >= {"code", "state", "iss"}
    result = ok(
        callback(rp, config, begun, journey),
        "callback (authorization code grant)",
    )
    assert result["claims"]["sub"] == str(user.subject)


def test_consent_denied_returns_access_denied_to_the_rp(rp, make_client, user):
    config = make_client()
    begun, journey = sign_in_and_authorize(rp, config, user, decision="deny")

    assert journey.consent_shown
    parameters = callback_parameters(journey)
    assert parameters.get("error") == "access_denied", parameters
    assert "code" not in parameters

    result = callback(rp, config, begun, journey)

    error = refused(result, "callback after denial")
    assert error.get("code") == "OAUTH_AUTHORIZATION_RESPONSE_ERROR", _pretty(error)
    assert error.get("error") == "access_denied", _pretty(error)
    # Only discovery: the RP stops at the error and never calls the token endpoint.
    assert [x["method"] for x in result["http"]] == ["GET"], _pretty(result)


def test_max_age_request_gets_an_auth_time_openid_client_accepts(rp, make_client, user):
    """OIDC Core 3.1.2.1 / 2: with max_age the ID token must carry auth_time, and the RP
    checks it is recent enough."""
    config = make_client()
    begun, journey = sign_in_and_authorize(rp, config, user, extra_parameters={"max_age": "300"})

    result = ok(callback(rp, config, begun, journey, max_age=300), "callback with max_age")

    assert isinstance(result["claims"]["auth_time"], int), _pretty(result["claims"])


def test_wrong_pkce_verifier_is_refused(rp, make_client, user):
    config = make_client()
    begun, journey = sign_in_and_authorize(rp, config, user)
    begun = {**begun, "code_verifier": "x" * 43 + begun["code_verifier"][43:]}

    error = refused(callback(rp, config, begun, journey), "code exchange with a wrong verifier")

    assert error.get("error") == "invalid_grant", _pretty(error)
    assert error.get("status") == 400, _pretty(error)


def test_replayed_code_is_refused_and_revokes_what_it_issued(rp, make_client, user):
    """RFC 6749 section 4.1.2: a code is used once; on reuse the server SHOULD revoke the
    tokens already issued from it."""
    config = make_client()
    begun, journey = sign_in_and_authorize(rp, config, user, **OFFLINE)
    first = ok(callback(rp, config, begun, journey), "first code exchange")

    error = refused(callback(rp, config, begun, journey), "second code exchange")

    assert error.get("error") == "invalid_grant", _pretty(error)
    for kind in ("access_token", "refresh_token"):
        token = first["tokens"][kind]
        after = ok(rp("introspect", config, token=token), f"introspection of the {kind}")
        assert after["introspection"]["active"] is False, (kind, _pretty(after))


def test_prompt_none_reuses_the_session_without_any_page(rp, issuer, make_client, user):
    config = make_client()
    agent = person(issuer)
    begun, journey = sign_in_and_authorize(rp, config, user, agent=agent)
    first = ok(callback(rp, config, begun, journey), "first code exchange")

    begun, journey = sign_in_and_authorize(
        rp, config, user, agent=agent, extra_parameters={"prompt": "none"}
    )

    assert not journey.signed_in
    assert not journey.consent_shown
    silent = ok(callback(rp, config, begun, journey), "code exchange after prompt=none")
    assert silent["claims"]["sub"] == first["claims"]["sub"]
    assert silent["claims"]["auth_time"] == first["claims"]["auth_time"]
    assert silent["claims"].get("sid") == first["claims"].get("sid")


def test_prompt_none_without_a_session_returns_login_required_to_the_rp(rp, make_client, user):
    config = make_client()
    begun, journey = sign_in_and_authorize(rp, config, user, extra_parameters={"prompt": "none"})

    assert not journey.signed_in
    error = refused(callback(rp, config, begun, journey), "callback after prompt=none")
    assert error.get("code") == "OAUTH_AUTHORIZATION_RESPONSE_ERROR", _pretty(error)
    assert error.get("error") == "login_required", _pretty(error)
