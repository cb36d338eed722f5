"""Universal logout: one person signed out of every application at once.

Every sign-on session ends, every token the person holds is revoked (``offline_access``
included: unlike a session end, OIDC Core section 11 does not protect them here) and every
application is told by back-channel logout (one ``LogoutDelivery`` per relying party;
delivery itself is tested with the real receiver elsewhere). Reached from the command line
(``manage.py universal_logout``), the user admin, and Global Token Revocation
(``tests/oidc_provider/test_global_token_revocation.py`` reuses the scenario below).
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from apps.audit.models import Event
from apps.sso_sessions.models import (
    DeliveryChannel,
    EndReason,
    LogoutDelivery,
    SignOnSession,
)
from apps.sso_sessions.services import user_universal_logout
from tests.conftest import PASSWORD
from tests.oidc_provider.conftest import Flow, RegisteredClient, token_post

pytestmark = pytest.mark.django_db


# --- The scenario, shared with the Global Token Revocation tests ----------------------------


def sign_in_to_three_rps(
    browser: Client, make_client, *, scope: str = "openid profile email"
) -> dict[str, tuple[RegisteredClient, dict]]:
    """Three relying parties, each with a back-channel logout URI, each through the code
    flow in the same browser (one sign-on session, three participants): client_id ->
    (the client, its token response)."""
    signed_in_to: dict[str, tuple[RegisteredClient, dict]] = {}
    for n in (1, 2, 3):
        rp = make_client(
            name=f"Relying party {n}",
            backchannel_logout_uri=f"https://rp{n}.example.com/backchannel-logout",
        )
        flow = Flow(browser, rp)
        response = flow.exchange(flow.get_code(scope=scope))
        assert response.status_code == 200, response.content
        signed_in_to[rp.client_id] = (rp, response.json())
    return signed_in_to


def userinfo_status(access_token: str) -> int:
    return Client().get("/oauth/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}").status_code


def refresh(rp: RegisteredClient, refresh_token: str):
    return token_post(
        Client(),
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        **rp.basic_auth(),
    )


def assert_signed_out_of_all(user, signed_in_to: dict, *, reason: str) -> None:
    """Sessions ended, every refresh token refused at the token endpoint, every access
    token refused at userinfo, one back-channel delivery per relying party."""
    sessions = SignOnSession.objects.filter(user=user)
    assert sessions.exists()
    assert not sessions.filter(ended_at__isnull=True).exists()
    assert set(sessions.values_list("end_reason", flat=True)) == {reason}
    for rp, tokens in signed_in_to.values():
        refused = refresh(rp, tokens["refresh_token"])
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
        assert userinfo_status(tokens["access_token"]) == 401
    deliveries = LogoutDelivery.objects.filter(user=user, channel=DeliveryChannel.BACKCHANNEL)
    assert sorted(deliveries.values_list("party_id", flat=True)) == sorted(signed_in_to)
    assert set(deliveries.values_list("reason", flat=True)) == {reason}
    assert set(deliveries.values_list("target_url", flat=True)) == {
        f"https://rp{n}.example.com/backchannel-logout" for n in (1, 2, 3)
    }


def assert_still_signed_in(user, signed_in_to: dict) -> None:
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()
    for _rp, tokens in signed_in_to.values():
        assert userinfo_status(tokens["access_token"]) == 200
    assert not LogoutDelivery.objects.filter(user=user).exists()


# --- Done when -------------------------------------------------------------------------------


def test_one_universal_logout_signs_a_user_out_of_three_relying_parties(
    signed_in, make_client, user
):
    signed_in_to = sign_in_to_three_rps(signed_in, make_client)
    assert_still_signed_in(user, signed_in_to)

    result = user_universal_logout(user=user)

    assert result.sessions_ended == 1
    assert len(result.deliveries) == 3
    assert_signed_out_of_all(user, signed_in_to, reason=EndReason.UNIVERSAL_LOGOUT)
    assert signed_in.get("/").status_code == 302  # the browser follows on its next request
    assert Event.objects.filter(type="user.universal_logout", actor_subject=user.subject).exists()


def test_every_session_on_every_device_ends(make_client, user):
    laptop, phone = Client(), Client()
    for browser in (laptop, phone):
        browser.post("/signin/", {"email": user.email, "password": PASSWORD})
    result = user_universal_logout(user=user)
    assert result.sessions_ended == 2
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302


def test_other_people_are_not_signed_out(signed_in, make_client, user, make_user):
    bob = make_user(email="bob@example.com")
    bobs_browser = Client()
    bobs_browser.post("/signin/", {"email": bob.email, "password": PASSWORD})
    user_universal_logout(user=user)
    assert SignOnSession.objects.filter(user=bob, ended_at__isnull=True).exists()
    assert bobs_browser.get("/").status_code == 200


def test_offline_access_refresh_tokens_are_revoked_too(flow, user):
    tokens = flow.exchange(flow.get_code(scope="openid offline_access")).json()
    user_universal_logout(user=user)
    refused = refresh(flow.rp, tokens["refresh_token"])
    assert refused.json()["error"] == "invalid_grant"


def test_offline_access_tokens_that_outlived_their_session_are_revoked_and_their_rp_told(
    signed_in, make_client, user
):
    rp = make_client(name="Mail sync", backchannel_logout_uri="https://mail.example.com/bc")
    flow = Flow(signed_in, rp)
    tokens = flow.exchange(flow.get_code(scope="openid offline_access")).json()
    signed_in.post("/signout/")  # the session ends; the offline_access token survives it
    survived = refresh(rp, tokens["refresh_token"])
    assert survived.status_code == 200
    LogoutDelivery.objects.all().delete()  # the sign-out's own notice

    result = user_universal_logout(user=user)

    assert result.sessions_ended == 0
    assert refresh(rp, survived.json()["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo_status(survived.json()["access_token"]) == 401
    # Told although no session remains: a logout token with sub and no sid.
    delivery = LogoutDelivery.objects.get(user=user)
    assert (delivery.party_id, delivery.session, delivery.sid) == (rp.client_id, None, "")


def test_a_second_universal_logout_finds_nothing_left(signed_in, make_client, user):
    sign_in_to_three_rps(signed_in, make_client)
    user_universal_logout(user=user)
    again = user_universal_logout(user=user)
    assert (again.sessions_ended, again.deliveries) == (0, [])


# --- manage.py universal_logout ---------------------------------------------------------------


def test_command_signs_the_user_out_and_says_what_it_did(signed_in, make_client, user):
    signed_in_to = sign_in_to_three_rps(signed_in, make_client)
    out = StringIO()
    call_command("universal_logout", "--user", user.email, stdout=out)
    assert "1 session(s) ended, 3 logout notification(s) queued" in out.getvalue()
    assert_signed_out_of_all(user, signed_in_to, reason=EndReason.UNIVERSAL_LOGOUT)


def test_command_json_output_is_one_object_for_scripts(signed_in, make_client, user):
    signed_in_to = sign_in_to_three_rps(signed_in, make_client)
    out = StringIO()
    call_command("universal_logout", "--user", user.email.upper(), "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["user"] == user.email
    assert summary["sub"] == str(user.subject)
    assert summary["sessions_ended"] == 1
    assert summary["deliveries_queued"] == 3
    assert sorted(d["party_id"] for d in summary["deliveries"]) == sorted(signed_in_to)


@pytest.mark.parametrize("email", ["nobody@example.com", "", "   ", "ali\x00ce@example.com"])
def test_command_refuses_an_unknown_email_cleanly(user, email):
    with pytest.raises(CommandError, match="No user has the email address"):
        call_command("universal_logout", "--user", email, stdout=StringIO())
    assert SignOnSession.objects.filter(ended_at__isnull=False).count() == 0


def test_command_requires_the_user_option():
    with pytest.raises(CommandError):
        call_command("universal_logout", stdout=StringIO(), stderr=StringIO())


# --- Admin actions ----------------------------------------------------------------------------


def test_user_admin_action_signs_the_selected_users_out_everywhere(
    admin_client, admin_user, signed_in, make_client, user
):
    signed_in_to = sign_in_to_three_rps(signed_in, make_client)
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "sign_out_everywhere", "_selected_action": [user.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert b"1 session(s) ended, 3 logout notification(s) queued" in response.content
    assert_signed_out_of_all(user, signed_in_to, reason=EndReason.UNIVERSAL_LOGOUT)
    event = Event.objects.get(type="user.universal_logout", actor_subject=user.subject)
    assert event.data["by"] == admin_user.email


def test_session_admin_action_ends_the_selected_sessions_only(
    admin_client, admin_user, make_client, user, make_user
):
    laptop, phone = Client(), Client()
    for browser in (laptop, phone):
        browser.post("/signin/", {"email": user.email, "password": PASSWORD})
    rp = make_client(name="Wiki", backchannel_logout_uri="https://wiki.example.com/bc")
    flow = Flow(laptop, rp)
    tokens = flow.exchange(flow.get_code()).json()
    laptop_session = SignOnSession.objects.get(sid=laptop.session["keyway_auth"]["sid"])

    response = admin_client.post(
        "/admin/sso_sessions/signonsession/",
        {"action": "end_sessions", "_selected_action": [laptop_session.pk]},
        follow=True,
    )

    assert b"Ended 1 session(s)." in response.content
    laptop_session.refresh_from_db()
    assert laptop_session.end_reason == EndReason.ADMIN
    assert refresh(rp, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert LogoutDelivery.objects.get(session=laptop_session).party_id == rp.client_id
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200  # the other session was not selected
    event = Event.objects.get(type="session.ended", data__sid=laptop_session.sid)
    assert event.data["by"] == admin_user.email


def test_session_admin_action_skips_sessions_that_already_ended(admin_client, signed_in, user):
    session = SignOnSession.objects.get(user=user)
    signed_in.post("/signout/")
    response = admin_client.post(
        "/admin/sso_sessions/signonsession/",
        {"action": "end_sessions", "_selected_action": [session.pk]},
        follow=True,
    )
    assert b"Ended 0 session(s). 1 had already ended." in response.content
    session.refresh_from_db()
    assert session.end_reason == EndReason.SIGN_OUT


@pytest.mark.parametrize(
    "query", ["", "?state=active", "?state=ended", "?end_reason=admin", "?q=alice"]
)
def test_session_admin_lists_filters_and_searches(admin_client, flow, user, query):
    flow.exchange(flow.get_code())
    response = admin_client.get(f"/admin/sso_sessions/signonsession/{query}")
    assert response.status_code == 200
    if query in ("", "?state=active", "?q=alice"):
        assert user.email.encode() in response.content
    else:
        assert user.email.encode() not in response.content


def test_session_admin_page_is_read_only_with_its_participants(admin_client, flow, user):
    flow.exchange(flow.get_code())
    session = SignOnSession.objects.get(user=user)
    page = admin_client.get(f"/admin/sso_sessions/signonsession/{session.pk}/change/")
    assert page.status_code == 200
    assert flow.rp.client_id.encode() in page.content  # the participant inline
    assert b'name="user_agent"' not in page.content
    assert admin_client.get("/admin/sso_sessions/signonsession/add/").status_code == 403
    deleted = admin_client.post(f"/admin/sso_sessions/signonsession/{session.pk}/delete/")
    assert deleted.status_code == 403
    assert SignOnSession.objects.filter(pk=session.pk, ended_at__isnull=True).exists()
