"""Sign-on sessions: started by sign-in, renewed by activity, ended by sign-out, by another
device or by time; the browser follows; what each end means for tokens."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from apps.audit.models import Event
from apps.sso_sessions.models import EndReason, Participant, SignOnSession
from apps.sso_sessions.selectors import state_cache_key
from apps.sso_sessions.services import session_end
from tests.conftest import PASSWORD
from tests.oidc_provider.conftest import Flow, token_post

pytestmark = pytest.mark.django_db


def _sign_in(browser, user):
    return browser.post("/signin/", {"email": user.email, "password": PASSWORD})


def _session(user):
    return SignOnSession.objects.get(user=user, ended_at__isnull=True)


def test_sign_in_starts_a_session_whose_sid_reaches_the_id_token(flow, user):
    session = _session(user)
    assert session.amr == ["pwd"]
    assert session.ip == "127.0.0.1"
    tokens = flow.exchange(flow.get_code()).json()
    from tests.oidc_provider.test_token import _verified_claims

    assert _verified_claims(tokens["id_token"])["sid"] == session.sid
    assert Event.objects.filter(type="session.started", data__sid=session.sid).exists()


def test_code_exchange_makes_the_client_a_participant(flow, user):
    flow.exchange(flow.get_code())
    participant = Participant.objects.get(session=_session(user))
    assert (participant.kind, participant.party_id) == ("oidc", flow.rp.client_id)


def test_signing_in_again_renews_the_same_session(client, user):
    _sign_in(client, user)
    first = _session(user)
    SignOnSession.objects.filter(pk=first.pk).update(auth_time=first.auth_time - timedelta(hours=1))
    _sign_in(client, user)
    renewed = _session(user)
    assert renewed.sid == first.sid
    assert renewed.auth_time > first.auth_time - timedelta(hours=1)


def test_another_person_signing_in_replaces_the_browsers_session(client, user, make_user):
    _sign_in(client, user)
    first = _session(user)
    bob = make_user(email="bob@example.com")
    _sign_in(client, bob)
    first.refresh_from_db()
    assert first.end_reason == EndReason.REPLACED
    assert _session(bob).sid != first.sid


def test_sign_out_ends_the_session_and_revokes_its_refresh_tokens(flow, user):
    tokens = flow.exchange(flow.get_code()).json()
    sid = _session(user).sid
    flow.browser.post("/signout/")
    assert SignOnSession.objects.get(sid=sid).end_reason == EndReason.SIGN_OUT
    refreshed = token_post(
        flow.browser,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **flow.rp.basic_auth(),
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_offline_access_refresh_tokens_outlive_the_session(flow, user):
    tokens = flow.exchange(flow.get_code(scope="openid offline_access")).json()
    flow.browser.post("/signout/")
    refreshed = token_post(
        flow.browser,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **flow.rp.basic_auth(),
    )
    assert refreshed.status_code == 200


def test_prompt_none_after_sign_out_is_login_required(flow):
    flow.get_code()
    flow.browser.post("/signout/")
    response = flow.authorize(prompt="none")
    assert parse_qs(urlsplit(response["Location"]).query)["error"] == ["login_required"]


def test_a_session_ended_elsewhere_signs_this_browser_out(client, user):
    _sign_in(client, user)
    assert client.get("/").status_code == 200
    session_end(session=_session(user), reason=EndReason.ADMIN)
    response = client.get("/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("idle_expires_at", EndReason.IDLE_TIMEOUT),
        ("absolute_expires_at", EndReason.ABSOLUTE_TIMEOUT),
    ],
)
def test_an_expired_session_ends_on_the_next_request(client, user, field, reason):
    _sign_in(client, user)
    session = _session(user)
    SignOnSession.objects.filter(pk=session.pk).update(
        **{field: timezone.now() - timedelta(seconds=1)}
    )
    cache.delete(state_cache_key(session.sid))
    assert client.get("/").status_code == 302
    session.refresh_from_db()
    assert session.end_reason == reason


def test_activity_slides_the_idle_expiry_but_not_past_the_absolute_limit(client, user):
    _sign_in(client, user)
    session = _session(user)
    old = timezone.now() - timedelta(minutes=5)
    SignOnSession.objects.filter(pk=session.pk).update(
        last_activity_at=old, idle_expires_at=old + timedelta(hours=1)
    )
    cache.delete(state_cache_key(session.sid))
    client.get("/")
    session.refresh_from_db()
    assert session.last_activity_at > old
    assert session.idle_expires_at > old + timedelta(hours=1)
    assert session.idle_expires_at <= session.absolute_expires_at


def test_api_endpoints_do_not_read_the_browser_session(signed_in):
    response = signed_in.get("/oauth/jwks")
    assert "Cookie" not in response.get("Vary", "")


# --- Per-client policy and step-up (at the authorization endpoint) -------------------------


def test_client_with_a_shorter_max_age_makes_an_older_sign_in_sign_in_again(
    make_client, signed_in, user
):
    strict = make_client(name="Payroll", skip_consent=True)
    strict.client.session_max_age = 60
    strict.client.save()
    session = _session(user)
    browser_session = signed_in.session
    browser_session["keyway_auth"] = {
        **browser_session["keyway_auth"],
        "auth_time": int(session.auth_time.timestamp()) - 600,
    }
    browser_session.save()
    response = Flow(signed_in, strict).authorize()
    assert urlsplit(response["Location"]).path == "/signin/"


def test_client_requiring_a_stronger_acr_sends_the_person_to_sign_in(make_client, signed_in, user):
    strong = make_client(name="Treasury", skip_consent=True)
    strong.client.required_acr = "urn:keyway:acr:mfa"
    strong.client.save()
    flow = Flow(signed_in, strong)
    response = flow.authorize()
    target = urlsplit(response["Location"])
    assert target.path == "/signin/"
    next_url = parse_qs(target.query)["next"][0]
    signed_in.post("/signin/", {"email": user.email, "password": PASSWORD, "next": next_url})
    # A password is all Keyway's own page offers: still not enough, and said so.
    error = parse_qs(urlsplit(signed_in.get(next_url)["Location"]).query)
    assert error["error"] == ["unmet_authentication_requirements"]


def test_a_session_with_the_required_acr_proceeds(make_client, signed_in):
    strong = make_client(name="Treasury", skip_consent=True)
    strong.client.required_acr = "urn:keyway:acr:password"
    strong.client.save()
    flow = Flow(signed_in, strong)
    flow.code_from(flow.authorize())


def test_other_browser_is_unaffected_by_my_sign_out(user):
    laptop, phone = Client(), Client()
    _sign_in(laptop, user)
    _sign_in(phone, user)
    laptop.post("/signout/")
    assert phone.get("/").status_code == 200
