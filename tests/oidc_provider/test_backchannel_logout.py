"""OpenID Connect Back-Channel Logout 1.0, end to end, as a relying party sees it.

A relying party's ``backchannel_logout_uri`` is a real HTTP server on loopback
(``LogoutReceiver``); the person signs in, the client gets tokens through the code flow,
the person signs out, and the Logout Token the receiver got is verified with PyJWT (a JOSE
implementation independent of Keyway's jwcrypto) against the published JWK Set.

Celery runs eagerly in every test here, also on the PostgreSQL + Redis configuration where
the app is otherwise configured with a real broker: the ``_eager_celery`` fixture sets
``app.conf.task_always_eager`` and restores it (see ``tests/sso_sessions/logout_receiver``).
Nothing here may enqueue into Redis, where no worker would ever consume it. Deliveries are
queued with ``transaction.on_commit``, which a ``db`` test never commits:
``django_capture_on_commit_callbacks(execute=True)`` runs them. The one test with a real
worker on the real broker is in ``tests/sso_sessions/test_logout_delivery.py``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import jwt
import pytest

from apps.oidc_provider.backchannel import backchannel_plan
from apps.oidc_provider.protocol.logout_token import (
    BACKCHANNEL_LOGOUT_EVENT,
    LOGOUT_TOKEN_LIFETIME_SECONDS,
    LOGOUT_TOKEN_TYP,
    logout_token_claims,
)
from apps.sso_sessions.fanout import LogoutNotice
from apps.sso_sessions.models import (
    DeliveryChannel,
    DeliveryStatus,
    EndReason,
    LogoutDelivery,
    ParticipantKind,
    SignOnSession,
)
from apps.sso_sessions.services import participant_record, session_end, user_universal_logout
from tests.oidc_provider.conftest import Flow
from tests.sso_sessions.logout_receiver import LogoutReceiver, celery_always_eager

pytestmark = pytest.mark.django_db

ISSUER = "http://testserver"


@pytest.fixture(autouse=True)
def _eager_celery() -> Iterator[None]:
    with celery_always_eager(True):
        yield


@pytest.fixture
def receiver() -> Iterator[LogoutReceiver]:
    with LogoutReceiver() as server:
        yield server


def verified_logout_token(browser, token: str, client_id: str) -> tuple[dict, dict]:
    """Validate ``token`` as section 2.6 tells a relying party to, with PyJWT against the
    JWK Set fetched from the discovery document's ``jwks_uri``. Returns (header, claims)."""
    jwks = jwt.PyJWKSet.from_dict(browser.get("/oauth/jwks").json())
    header = jwt.get_unverified_header(token)
    key = jwks[header["kid"]]
    claims = jwt.decode(
        token,
        key=key,
        # The key's own algorithm only: the token does not choose (RFC 8725 section 3.1).
        algorithms=[key.algorithm_name],
        audience=client_id,
        issuer=ISSUER,
        options={"require": ["iss", "aud", "iat", "exp", "jti", "events"]},
    )
    return header, claims


def id_token_claims(browser, id_token: str, client_id: str) -> dict:
    jwks = jwt.PyJWKSet.from_dict(browser.get("/oauth/jwks").json())
    key = jwks[jwt.get_unverified_header(id_token)["kid"]]
    return jwt.decode(id_token, key=key, algorithms=[key.algorithm_name], audience=client_id)


# --- The Logout Token itself (section 2.4) -------------------------------------------------


def test_logout_token_claims_follow_section_2_4():
    claims = logout_token_claims(
        issuer=ISSUER, client_id="rp-1", subject="user-uuid", sid="session-1", issued_at=1000
    )
    assert claims == {
        "iss": ISSUER,
        "aud": "rp-1",
        "iat": 1000,
        "exp": 1000 + LOGOUT_TOKEN_LIFETIME_SECONDS,
        "jti": claims["jti"],
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        "sub": "user-uuid",
        "sid": "session-1",
    }
    assert LOGOUT_TOKEN_LIFETIME_SECONDS == 120
    assert "nonce" not in claims  # section 2.4: PROHIBITED


def test_without_a_session_the_token_names_the_user_only():
    claims = logout_token_claims(issuer=ISSUER, client_id="rp-1", subject="user-uuid")
    assert claims["sub"] == "user-uuid"
    assert "sid" not in claims
    assert abs(claims["iat"] - time.time()) < 5


def test_a_token_naming_neither_user_nor_session_is_refused():
    with pytest.raises(ValueError, match="sub or a sid"):
        logout_token_claims(issuer=ISSUER, client_id="rp-1", subject="", sid=None)


def test_every_token_gets_its_own_jti():
    jtis = {
        logout_token_claims(issuer=ISSUER, client_id="rp", subject="s", issued_at=1)["jti"]
        for _ in range(50)
    }
    assert len(jtis) == 50


# --- End to end: sign in, get tokens, sign out, the relying party is told -----------------


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_sign_out_posts_a_logout_token_the_relying_party_can_verify(
    make_client, signed_in, user, receiver, django_capture_on_commit_callbacks, algorithm
):
    rp = make_client(backchannel_logout_uri=receiver.url, algorithm=algorithm)
    flow = Flow(signed_in, rp)
    tokens = flow.exchange(flow.get_code()).json()
    sid = id_token_claims(signed_in, tokens["id_token"], rp.client_id)["sid"]

    with django_capture_on_commit_callbacks(execute=True):
        assert signed_in.post("/signout/").status_code == 200

    assert receiver.wait_for(1, timeout=5)
    (request,) = receiver.requests
    # Section 2.5: a form POST with exactly one parameter, logout_token.
    assert request.method == "POST"
    assert request.path == "/bc"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert set(request.form) == {"logout_token"}

    header, claims = verified_logout_token(signed_in, request.logout_token, rp.client_id)
    assert header["typ"] == LOGOUT_TOKEN_TYP == "logout+jwt"
    assert header["alg"] == algorithm
    assert claims["iss"] == ISSUER
    assert claims["aud"] == rp.client_id
    assert claims["events"] == {"http://schemas.openid.net/event/backchannel-logout": {}}
    assert claims["sid"] == sid
    assert claims["sub"] == str(user.subject)
    assert "nonce" not in claims
    now = time.time()
    assert now - 60 <= claims["iat"] <= now + 5
    assert claims["exp"] - claims["iat"] == LOGOUT_TOKEN_LIFETIME_SECONDS
    assert isinstance(claims["jti"], str)
    assert len(claims["jti"]) >= 16

    delivery = LogoutDelivery.objects.get(party_id=rp.client_id)
    assert delivery.channel == DeliveryChannel.BACKCHANNEL
    assert delivery.status == DeliveryStatus.DELIVERED
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, 200, "")
    assert delivery.sid == sid
    assert delivery.jti == claims["jti"]
    assert delivery.reason == EndReason.SIGN_OUT
    assert delivery.target_url == receiver.url


def test_a_logout_token_is_not_an_id_token(make_client, signed_in, receiver):
    """Section 4.1: the typ header and the missing nonce keep the two apart; a relying party
    that validated an ID token with "typ": "JWT" and a nonce must refuse this one."""
    rp = make_client(backchannel_logout_uri=receiver.url)
    flow = Flow(signed_in, rp)
    flow.exchange(flow.get_code())
    session = SignOnSession.objects.get(ended_at__isnull=True)
    (delivery,) = backchannel_plan(
        LogoutNotice(
            user=session.user,
            reason=EndReason.ADMIN,
            session=session,
            party_ids=(rp.client_id,),
        )
    )
    from apps.sso_sessions.tasks import logout_deliver

    logout_deliver.delay(delivery.pk)
    token = receiver.requests[0].logout_token
    assert jwt.get_unverified_header(token)["typ"] != "JWT"
    assert "nonce" not in jwt.decode(token, options={"verify_signature": False})


def test_universal_logout_tells_token_holders_outside_a_session_by_sub_only(
    make_client, signed_in, user, receiver, django_capture_on_commit_callbacks
):
    """A client keeping an offline_access refresh token is told twice: at sign-out (its
    session, with sid) and at universal logout, which revokes the offline token and finds no
    session: sub only, meaning every session of the user there (section 2.4). It is told even
    though it registered backchannel_logout_session_required (see ``backchannel``)."""
    rp = make_client(backchannel_logout_uri=receiver.url)
    assert rp.client.backchannel_logout_session_required
    flow = Flow(signed_in, rp)
    flow.exchange(flow.get_code(scope="openid offline_access"))
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post("/signout/")
    with django_capture_on_commit_callbacks(execute=True):
        result = user_universal_logout(user=user)

    assert result.sessions_ended == 0
    assert [d.sid for d in result.deliveries] == [""]
    assert receiver.wait_for(2, timeout=5)
    at_sign_out, at_universal = (
        verified_logout_token(signed_in, r.logout_token, rp.client_id)[1] for r in receiver.requests
    )
    assert at_sign_out["sid"]
    assert at_sign_out["sub"] == str(user.subject)
    assert "sid" not in at_universal
    assert at_universal["sub"] == str(user.subject)
    assert LogoutDelivery.objects.get(pk=result.deliveries[0].pk).reason == (
        EndReason.UNIVERSAL_LOGOUT
    )


# --- Who is told (sections 2.2 and 2.3) ----------------------------------------------------


def test_only_active_clients_with_a_backchannel_uri_get_a_delivery(make_client, signed_in, user):
    told = make_client(name="Told", backchannel_logout_uri="https://told.example.com/bc")
    inactive = make_client(name="Inactive", backchannel_logout_uri="https://off.example.com/bc")
    inactive.client.is_active = False
    inactive.client.save()
    silent = make_client(name="No back-channel URI")
    session = SignOnSession.objects.get(user=user, ended_at__isnull=True)
    for rp in (told, inactive, silent):
        participant_record(sid=session.sid, kind=ParticipantKind.OIDC, party_id=rp.client_id)

    # Not executed: the rows are what is planned, nothing is sent.
    deliveries = session_end(session=session, reason=EndReason.ADMIN)

    assert [d.party_id for d in deliveries] == [told.client_id]
    (delivery,) = LogoutDelivery.objects.all()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0
    assert (delivery.user, delivery.session, delivery.sid) == (user, session, session.sid)
    assert delivery.target_url == "https://told.example.com/bc"
    assert delivery.reason == EndReason.ADMIN


def test_clients_that_were_never_in_the_session_are_not_told(make_client, signed_in, user):
    make_client(name="Elsewhere", backchannel_logout_uri="https://elsewhere.example.com/bc")
    session = SignOnSession.objects.get(user=user, ended_at__isnull=True)
    assert session_end(session=session, reason=EndReason.SIGN_OUT) == []
    assert not LogoutDelivery.objects.exists()


def test_discovery_advertises_back_channel_logout_with_sid(client):
    metadata = client.get("/.well-known/openid-configuration").json()
    # Section 2.1.
    assert metadata["backchannel_logout_supported"] is True
    assert metadata["backchannel_logout_session_supported"] is True
