""" "Your sessions": a person sees where they are signed in and ends any of it.

Ending a session is a logout (reason ``user_ended``): its session-bound tokens are revoked,
its applications told, and the browser that held it is signed out on its next request.
Only one's own sessions are visible or endable; every form is a CSRF-protected POST.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.sso_sessions.models import EndReason, LogoutDelivery, SignOnSession
from apps.sso_sessions.views.sessions import device_summary
from tests.conftest import PASSWORD
from tests.oidc_provider.conftest import Flow, token_post

pytestmark = pytest.mark.django_db

LIST = "/account/sessions/"
END = "/account/sessions/end"
END_ALL = "/account/sessions/end-all"

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _browser(user, user_agent: str = FIREFOX_WINDOWS) -> Client:
    browser = Client(HTTP_USER_AGENT=user_agent)
    response = browser.post("/signin/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def _sid(browser: Client) -> str:
    return browser.session["keyway_auth"]["sid"]


@pytest.fixture
def laptop(user) -> Client:
    return _browser(user, FIREFOX_WINDOWS)


@pytest.fixture
def phone(user) -> Client:
    return _browser(user, SAFARI_IPHONE)


# --- The list -----------------------------------------------------------------------------


def test_the_page_lists_only_my_sessions(laptop, phone, make_user):
    bob = _browser(make_user(email="bob@example.com"))
    page = laptop.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Firefox on Windows" in html
    assert "Safari on iOS" in html
    assert html.count('class="app session"') == 2
    assert _sid(phone) in html  # the other device can be ended
    assert _sid(bob) not in html
    assert "bob@example.com" not in html


def test_the_page_marks_this_device_and_shows_where_and_when(laptop, phone, user):
    html = laptop.get(LIST).content.decode()
    entries = html.split('class="app session"')[1:]
    this_device = [entry for entry in entries if "this device" in entry]
    assert len(this_device) == 1
    assert "Firefox on Windows" in this_device[0]
    assert "127.0.0.1" in this_device[0]
    assert "Signed in" in html
    assert "Last active" in html
    assert _sid(laptop) not in this_device[0]  # this device signs out with the sign-out form
    assert 'action="/signout/"' in this_device[0]


def test_the_page_lists_the_applications_each_session_reached(laptop, phone, make_client):
    wiki = make_client(name="Team wiki")
    flow = Flow(phone, wiki)
    flow.exchange(flow.get_code())
    entries = laptop.get(LIST).content.decode().split('class="app session"')[1:]
    (phone_entry,) = [e for e in entries if "Safari on iOS" in e]
    (laptop_entry,) = [e for e in entries if "Firefox on Windows" in e]
    assert "Team wiki" in phone_entry
    assert "Team wiki" not in laptop_entry
    assert "None yet" in laptop_entry


def test_every_form_on_the_page_carries_a_csrf_token(laptop, phone):
    html = laptop.get(LIST).content.decode()
    forms = re.findall(r"<form.*?</form>", html, flags=re.S)
    assert len(forms) == 3  # sign out this device, end the phone's session, end all
    for form in forms:
        assert 'method="post"' in form
        assert 'name="csrfmiddlewaretoken"' in form


def test_the_page_is_for_signed_in_people_only(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/")


def test_the_account_page_links_to_it(laptop):
    assert b'href="/account/sessions/"' in laptop.get("/").content


def test_the_page_escapes_what_the_browser_sent(user):
    hostile = _browser(user, '<script>alert("x")</script>')
    html = hostile.get(LIST).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


# --- Ending one session -------------------------------------------------------------------


def test_ending_another_device_signs_that_browser_out_on_its_next_request(
    laptop, phone, make_client
):
    rp = make_client(name="Wiki", backchannel_logout_uri="https://wiki.example.com/bc")
    flow = Flow(phone, rp)
    tokens = flow.exchange(flow.get_code()).json()
    phone_sid = _sid(phone)
    assert phone.get("/").status_code == 200

    response = laptop.post(END, {"sid": phone_sid})

    assert response.status_code == 302
    assert response["Location"] == LIST
    session = SignOnSession.objects.get(sid=phone_sid)
    assert session.end_reason == EndReason.USER_ENDED
    assert phone.get("/").status_code == 302  # signed out on its next request
    assert "_auth_user_id" not in phone.session
    assert laptop.get("/").status_code == 200  # this device is untouched
    refused = token_post(
        Client(),
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **rp.basic_auth(),
    )
    assert refused.json()["error"] == "invalid_grant"
    assert LogoutDelivery.objects.get(session=session).party_id == rp.client_id
    assert "Signed out Safari on iOS" in laptop.get(LIST).content.decode()


def test_ending_someone_elses_session_is_404_and_ends_nothing(laptop, make_user):
    bob = _browser(make_user(email="bob@example.com"))
    response = laptop.post(END, {"sid": _sid(bob)})
    assert response.status_code == 404
    assert SignOnSession.objects.get(sid=_sid(bob)).ended_at is None
    assert bob.get("/").status_code == 200


@pytest.mark.parametrize(
    "sid", ["", "no-such-session", "x" * 65, "a\x00b", "' OR 1=1 --", "é" * 40, "a b"]
)
def test_an_unknown_or_malformed_sid_is_404_not_a_server_error(laptop, sid):
    assert laptop.post(END, {"sid": sid}).status_code == 404
    assert laptop.get("/").status_code == 200


def test_a_missing_sid_is_404(laptop):
    assert laptop.post(END).status_code == 404


def test_ending_an_already_ended_session_says_so(laptop, phone):
    phone_sid = _sid(phone)
    laptop.post(END, {"sid": phone_sid})
    response = laptop.post(END, {"sid": phone_sid}, follow=True)
    assert response.status_code == 200
    assert b"That session had already ended." in response.content


def test_ending_this_devices_own_session_signs_it_out_at_once(laptop):
    sid = _sid(laptop)
    response = laptop.post(END, {"sid": sid})
    assert response.status_code == 200
    assert b"You are signed out" in response.content
    assert SignOnSession.objects.get(sid=sid).end_reason == EndReason.USER_ENDED
    assert "_auth_user_id" not in laptop.session


def test_ending_a_session_needs_a_post_with_a_csrf_token(user, phone):
    strict = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=FIREFOX_WINDOWS)
    strict.force_login(user)
    assert strict.post(END, {"sid": _sid(phone)}).status_code == 403
    assert strict.post(END_ALL).status_code == 403
    assert SignOnSession.objects.get(sid=_sid(phone)).ended_at is None


def test_get_does_not_end_anything(laptop, phone):
    assert laptop.get(f"{END}?sid={_sid(phone)}").status_code == 405
    assert laptop.get(END_ALL).status_code == 405
    assert phone.get("/").status_code == 200


def test_anonymous_posts_are_sent_to_sign_in(client, phone):
    response = client.post(END, {"sid": _sid(phone)})
    assert response.status_code == 302
    assert SignOnSession.objects.get(sid=_sid(phone)).ended_at is None


# --- Ending them all ------------------------------------------------------------------------


def test_end_all_signs_me_out_everywhere_including_here(laptop, phone, user, make_user):
    bob = _browser(make_user(email="bob@example.com"))
    response = laptop.post(END_ALL)

    assert response.status_code == 200
    assert b"You are signed out" in response.content
    sessions = SignOnSession.objects.filter(user=user)
    assert sessions.count() == 2
    assert set(sessions.values_list("end_reason", flat=True)) == {EndReason.USER_ENDED}
    assert "_auth_user_id" not in laptop.session
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert bob.get("/").status_code == 200


def test_end_all_revokes_session_tokens_and_tells_the_applications(laptop, phone, make_client):
    rps = [
        make_client(name=f"RP {n}", backchannel_logout_uri=f"https://rp{n}.example.com/bc")
        for n in (1, 2)
    ]
    issued = []
    for browser, rp in zip((laptop, phone), rps, strict=True):
        flow = Flow(browser, rp)
        issued.append((rp, flow.exchange(flow.get_code()).json()))

    laptop.post(END_ALL)

    for rp, tokens in issued:
        refused = token_post(
            Client(),
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            **rp.basic_auth(),
        )
        assert refused.json()["error"] == "invalid_grant"
        get = Client().get("/oauth/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        assert get.status_code == 401
    assert sorted(LogoutDelivery.objects.values_list("party_id", flat=True)) == sorted(
        rp.client_id for rp in rps
    )


def test_end_all_page_tells_this_browsers_front_channel_applications(laptop, make_client):
    rp = make_client(name="Calendar")
    rp.client.frontchannel_logout_uri = "https://calendar.example.com/fc-logout"
    rp.client.save()
    flow = Flow(laptop, rp)
    flow.exchange(flow.get_code())
    response = laptop.post(END_ALL)
    assert response.status_code == 200
    assert b'<iframe src="https://calendar.example.com/fc-logout' in response.content
    assert "https://calendar.example.com" in response["Content-Security-Policy"]


# --- Device names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "summary"),
    [
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            "Chrome on macOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
            "Chrome on ChromeOS",
        ),
        ("curl/8.5.0", "curl"),
        ("Mozilla/5.0 (X11; Linux x86_64) SomethingNew/1.0", "Unknown browser on Linux"),
        ("", "Unknown device"),
        ("\x00" * 10, "Unknown device"),
    ],
)
def test_device_summary_names_browser_and_system_families(user_agent, summary):
    assert device_summary(user_agent) == summary
