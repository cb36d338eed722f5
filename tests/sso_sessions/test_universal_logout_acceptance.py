"""The issue's "done when", end to end: a person signed in to three relying parties is
signed out of all three by one universal logout — each party's own HTTP receiver gets a
logout token it validates against the JWKS with an independent JOSE library (PyJWT), and
their refresh tokens stop working — and the same when an upstream identity provider calls
the Global Token Revocation endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack

import jwt
import pytest
from django.test import Client

from apps.sso_sessions.models import DeliveryStatus, LogoutDelivery, SignOnSession
from apps.sso_sessions.services import user_universal_logout
from tests.oidc_provider.conftest import Flow, token_post
from tests.sso_sessions.logout_receiver import LogoutReceiver, celery_always_eager

pytestmark = pytest.mark.django_db

EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture(autouse=True)
def _eager_celery() -> Iterator[None]:
    with celery_always_eager(True):
        yield


@pytest.fixture
def three_parties(make_client, flow) -> Iterator[list[tuple[object, LogoutReceiver, dict]]]:
    """Three relying parties, each with its own receiver, each holding tokens from the
    person's one sign-on session."""
    with ExitStack() as stack:
        parties = []
        for name in ("Payroll", "Wiki", "Expenses"):
            receiver = stack.enter_context(LogoutReceiver())
            rp = make_client(name=name, backchannel_logout_uri=receiver.url)
            party_flow = Flow(flow.browser, rp)
            tokens = party_flow.exchange(party_flow.get_code()).json()
            parties.append((rp, receiver, tokens))
        yield parties


def _validate(browser: Client, token: str, client_id: str, user) -> dict:
    """What each relying party does on receipt (Back-Channel Logout 1.0 section 2.6)."""
    jwks = jwt.PyJWKSet.from_dict(browser.get("/oauth/jwks").json())
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "logout+jwt"
    key = jwks[header["kid"]]
    claims = jwt.decode(
        token,
        key=key,
        algorithms=[key.algorithm_name],
        audience=client_id,
        issuer="http://testserver",
        options={"require": ["iss", "aud", "iat", "exp", "jti", "events"]},
    )
    assert claims["events"] == {EVENT: {}}
    assert claims["sub"] == str(user.subject)
    assert "nonce" not in claims
    return claims


def _assert_everyone_signed_out(browser, parties, user) -> None:
    assert not SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()
    for rp, receiver, tokens in parties:
        assert len(receiver.requests) == 1, rp.client.name
        _validate(browser, receiver.requests[0].logout_token, rp.client_id, user)
        refresh = token_post(
            Client(),
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            **rp.basic_auth(),
        )
        assert refresh.json()["error"] == "invalid_grant"
        userinfo = Client().get(
            "/oauth/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
        )
        assert userinfo.status_code == 401
    assert set(LogoutDelivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.DELIVERED
    }


def test_one_universal_logout_signs_the_person_out_of_all_three(
    flow, user, three_parties, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user_universal_logout(user=user)
    _assert_everyone_signed_out(flow.browser, three_parties, user)
    # And the browser that was signed in is signed out on its next request.
    assert flow.browser.get("/").status_code == 302


def test_global_token_revocation_by_the_upstream_idp_does_the_same(
    flow, user, three_parties, make_client, settings, django_capture_on_commit_callbacks
):
    upstream = make_client(
        name="Okta Universal Logout",
        grant_types=["client_credentials"],
        redirect_uris=[],
        scopes=["global_token_revocation"],
    )
    settings.KEYWAY = {**settings.KEYWAY, "GLOBAL_TOKEN_REVOCATION_CLIENTS": [upstream.client_id]}
    bearer = token_post(
        Client(),
        {"grant_type": "client_credentials", "scope": "global_token_revocation"},
        **upstream.basic_auth(),
    ).json()["access_token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/oauth/global-token-revocation",
            json.dumps({"sub_id": {"format": "email", "email": user.email}}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {bearer}",
        )
    assert response.status_code == 204
    _assert_everyone_signed_out(flow.browser, three_parties, user)
