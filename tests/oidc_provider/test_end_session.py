"""OpenID Connect RP-Initiated Logout 1.0 and Front-Channel Logout 1.0.

Each test is named after the rule it holds the end-session endpoint (``/oauth/logout``)
or the front-channel page to.
"""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client as HttpClient

from apps.audit.models import Event, Outcome
from apps.oidc_provider import keys
from apps.oidc_provider.models import Client
from apps.sso_sessions.models import EndReason, SignOnSession
from tests.conftest import PASSWORD
from tests.oidc_provider.conftest import Flow, token_post

pytestmark = pytest.mark.django_db

SIGNED_OUT = "https://rp.example.com/signed-out"
ISSUER = "http://testserver"


# --- Helpers --------------------------------------------------------------------------------


@pytest.fixture
def app(make_client):
    """A first-party relying party with a registered post-logout redirect URI."""
    return make_client(
        name="Expense Reports",
        skip_consent=True,
        post_logout_redirect_uris=[SIGNED_OUT, "https://rp.example.com/bye?lang=en"],
    )


@pytest.fixture
def app_flow(signed_in, app) -> Flow:
    return Flow(signed_in, app)


def _id_token(flow: Flow, **overrides: str) -> str:
    return flow.exchange(flow.get_code(**overrides)).json()["id_token"]


def _resigned(token: str, **changes) -> str:
    """The claims of a genuine ID token, changed and signed again with Keyway's key."""
    claims = keys.jwt_verify(token=token, verify_exp=False)
    claims.update(changes)
    for name, value in changes.items():
        if value is None:
            del claims[name]
    return keys.jwt_sign(claims=claims, algorithm="RS256")


def _logout(browser: HttpClient, method: str = "get", **params: str):
    if method == "post":
        return browser.post("/oauth/logout", params)
    return browser.get("/oauth/logout?" + urlencode(params))


def _signed_in(browser: HttpClient) -> bool:
    return "_auth_user_id" in browser.session and browser.get("/").status_code == 200


def _session(user) -> SignOnSession:
    return SignOnSession.objects.filter(user=user).order_by("-created_at").first()


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _csp(response, directive: str) -> list[str]:
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        if name == directive:
            return values
    return []


def _assert_invalid(response) -> None:
    assert response.status_code == 400, response.content[:300]
    assert "Location" not in response
    assert b"This sign-out link is not valid" in response.content


def _confirm(browser: HttpClient, page, decision: str = "signout"):
    pending = re.search(rb'name="request" value="([^"]+)"', page.content).group(1).decode()
    return browser.post("/oauth/logout/confirm", {"request": pending, "decision": decision})


def _iframes(response) -> list[str]:
    return [html.unescape(src) for src in re.findall(r'<iframe src="([^"]+)"', response.text)]


# --- Discovery (RP-Initiated Logout 2.1, Front-Channel Logout 3) ----------------------------


def test_discovery_lists_the_end_session_endpoint_and_front_channel_support(client):
    metadata = client.get("/.well-known/openid-configuration").json()
    assert metadata["end_session_endpoint"] == f"{ISSUER}/oauth/logout"
    assert metadata["frontchannel_logout_supported"] is True
    assert metadata["frontchannel_logout_session_supported"] is True


# --- Logging out with a hint for this session (section 2) ------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_hint_for_this_session_signs_out_without_confirmation_and_redirects_with_state(
    app_flow, user, method
):
    hint = _id_token(app_flow)
    sid = _session(user).sid
    response = _logout(
        app_flow.browser,
        method,
        id_token_hint=hint,
        post_logout_redirect_uri=SIGNED_OUT,
        state="st-42",
    )
    assert response.status_code == 302
    assert response["Location"] == f"{SIGNED_OUT}?state=st-42"
    assert not _signed_in(app_flow.browser)
    session = SignOnSession.objects.get(sid=sid)
    assert session.end_reason == EndReason.RP_LOGOUT
    event = Event.objects.get(type="oidc.rp_logout")
    assert event.outcome == Outcome.SUCCESS
    assert event.actor_subject == user.subject
    assert event.data["client_id"] == app_flow.rp.client_id
    assert event.data["signed_out"] is True
    assert event.data["confirmed"] is False


def test_redirect_keeps_the_registered_query_and_adds_state(app_flow):
    uri = "https://rp.example.com/bye?lang=en"
    response = _logout(
        app_flow.browser, id_token_hint=_id_token(app_flow), post_logout_redirect_uri=uri, state="s"
    )
    assert response.status_code == 302
    assert _query(response["Location"]) == {"lang": ["en"], "state": ["s"]}


def test_without_a_redirect_uri_the_signed_out_page_is_shown(app_flow):
    response = _logout(app_flow.browser, id_token_hint=_id_token(app_flow), state="ignored")
    assert response.status_code == 200
    assert b"You are signed out" in response.content
    assert not _signed_in(app_flow.browser)


def test_client_id_matching_the_hint_audience_is_accepted(app_flow):
    response = _logout(
        app_flow.browser,
        id_token_hint=_id_token(app_flow),
        client_id=app_flow.rp.client_id,
        post_logout_redirect_uri=SIGNED_OUT,
    )
    assert response.status_code == 302
    assert response["Location"] == SIGNED_OUT


def test_expired_but_genuine_hint_still_signs_out(app_flow):
    """Section 2: the OP SHOULD accept ID Tokens "even when the exp time has passed"."""
    now = int(time.time())
    expired = _resigned(_id_token(app_flow), iat=now - 7200, exp=now - 3600)
    with pytest.raises(keys.InvalidSignedToken):
        keys.jwt_verify(token=expired)  # really expired
    response = _logout(app_flow.browser, id_token_hint=expired, post_logout_redirect_uri=SIGNED_OUT)
    assert response.status_code == 302
    assert response["Location"] == SIGNED_OUT
    assert not _signed_in(app_flow.browser)


def test_hint_without_sid_for_the_signed_in_person_signs_out(app_flow):
    hint = _resigned(_id_token(app_flow), sid=None)
    response = _logout(app_flow.browser, id_token_hint=hint)
    assert response.status_code == 200
    assert b"You are signed out" in response.content
    assert not _signed_in(app_flow.browser)


# --- Confirmation (section 2: the OP MUST ask without a hint for this session) ---------------


def test_no_hint_asks_for_confirmation_and_does_not_sign_out(app_flow, app):
    _id_token(app_flow)
    response = _logout(
        app_flow.browser, client_id=app.client_id, post_logout_redirect_uri=SIGNED_OUT
    )
    assert response.status_code == 200
    assert b"Sign out of Keyway?" in response.content
    assert b"Expense Reports" in response.content
    assert b'action="/oauth/logout/confirm"' in response.content
    assert b"csrfmiddlewaretoken" in response.content
    assert _signed_in(app_flow.browser)
    # The answer may redirect to the relying party: CSP form-action must allow its origin.
    assert "https://rp.example.com" in _csp(response, "form-action")


def test_hint_for_another_session_of_the_same_person_asks_for_confirmation(app_flow, app, user):
    other_browser = HttpClient()
    other_browser.post("/signin/", {"email": user.email, "password": PASSWORD})
    other_hint = _id_token(Flow(other_browser, app))
    _id_token(app_flow)
    response = _logout(app_flow.browser, id_token_hint=other_hint)
    assert response.status_code == 200
    assert b"Sign out of Keyway?" in response.content
    assert _signed_in(app_flow.browser)
    assert _signed_in(other_browser)


def test_hint_for_another_person_asks_for_confirmation(app_flow, app, make_user):
    bob_browser = HttpClient()
    bob = make_user(email="bob@example.com")
    bob_browser.post("/signin/", {"email": bob.email, "password": PASSWORD})
    bob_hint = _id_token(Flow(bob_browser, app))
    response = _logout(app_flow.browser, id_token_hint=bob_hint)
    assert response.status_code == 200
    assert b"Sign out of Keyway?" in response.content
    assert _signed_in(app_flow.browser)
    assert _signed_in(bob_browser)


def test_confirming_signs_out_and_redirects_with_state(app_flow, app, user):
    _id_token(app_flow)
    sid = _session(user).sid
    page = _logout(
        app_flow.browser, client_id=app.client_id, post_logout_redirect_uri=SIGNED_OUT, state="x"
    )
    response = _confirm(app_flow.browser, page)
    assert response.status_code == 302
    assert response["Location"] == f"{SIGNED_OUT}?state=x"
    assert not _signed_in(app_flow.browser)
    assert SignOnSession.objects.get(sid=sid).end_reason == EndReason.RP_LOGOUT
    assert Event.objects.get(type="oidc.rp_logout").data["confirmed"] is True


def test_staying_signed_in_keeps_the_session_and_returns_to_the_relying_party(app_flow, app):
    page = _logout(
        app_flow.browser, client_id=app.client_id, post_logout_redirect_uri=SIGNED_OUT, state="x"
    )
    response = _confirm(app_flow.browser, page, decision="stay")
    assert response.status_code == 302
    assert response["Location"] == f"{SIGNED_OUT}?state=x"
    assert _signed_in(app_flow.browser)
    assert Event.objects.get(type="oidc.rp_logout").outcome == Outcome.DENIED


def test_staying_signed_in_without_a_redirect_goes_home(signed_in):
    page = _logout(signed_in)
    response = _confirm(signed_in, page, decision="stay")
    assert response["Location"] == "/"
    assert _signed_in(signed_in)


def test_the_confirmation_requires_a_csrf_token(user, app):
    browser = HttpClient()
    browser.post("/signin/", {"email": user.email, "password": PASSWORD})
    browser.handler.enforce_csrf_checks = True  # from now on, like a real browser
    page = browser.get("/oauth/logout?" + urlencode({"client_id": app.client_id}))
    assert page.status_code == 200
    pending = re.search(rb'name="request" value="([^"]+)"', page.content).group(1).decode()
    forged = browser.post("/oauth/logout/confirm", {"request": pending, "decision": "signout"})
    assert forged.status_code == 403
    assert _signed_in(browser)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    answered = browser.post(
        "/oauth/logout/confirm",
        {"request": pending, "decision": "signout", "csrfmiddlewaretoken": token.decode()},
    )
    assert answered.status_code == 200
    assert b"You are signed out" in answered.content
    assert not _signed_in(browser)


def test_an_altered_confirmation_form_is_400(signed_in):
    page = _logout(signed_in)
    pending = re.search(rb'name="request" value="([^"]+)"', page.content).group(1).decode()
    response = signed_in.post(
        "/oauth/logout/confirm", {"request": pending[:-2] + "xx", "decision": "signout"}
    )
    assert response.status_code == 400
    assert "Location" not in response
    assert _signed_in(signed_in)
    assert signed_in.post("/oauth/logout/confirm", {"request": pending}).status_code == 400


def test_the_confirmation_is_checked_again_against_the_registration(app_flow, app):
    page = _logout(app_flow.browser, client_id=app.client_id, post_logout_redirect_uri=SIGNED_OUT)
    app.client.post_logout_redirect_uris = "https://rp.example.com/elsewhere"
    app.client.save()
    response = _confirm(app_flow.browser, page)
    assert response.status_code == 400
    assert "Location" not in response
    assert _signed_in(app_flow.browser)


def test_the_confirm_url_only_takes_post(signed_in):
    assert signed_in.get("/oauth/logout/confirm").status_code == 405


# --- post_logout_redirect_uri (section 3, 3.1) ----------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "https://evil.example/",
        "https://rp.example.com/signed-out/",
        "https://rp.example.com/signed-out?x=1",
        "https://RP.example.com/signed-out",
        "https://rp.example.com/callback",  # a redirect_uri, not a post-logout one
        "https://rp.example.com/bye",
    ],
)
def test_unregistered_post_logout_redirect_uri_is_a_400_page_and_no_redirect(app_flow, uri):
    hint = _id_token(app_flow)
    response = _logout(
        app_flow.browser, id_token_hint=hint, post_logout_redirect_uri=uri, state="s"
    )
    _assert_invalid(response)
    assert b"not registered" in response.content
    # Section 4: the request failed validation, so nothing of it is acted upon.
    assert _signed_in(app_flow.browser)
    event = Event.objects.get(type="oidc.rp_logout")
    assert event.outcome == Outcome.FAILURE


def test_post_logout_redirect_uri_of_another_client_is_refused(app_flow, make_client):
    other = make_client(name="Other", post_logout_redirect_uris=["https://other.example/out"])
    response = _logout(
        app_flow.browser,
        client_id=app_flow.rp.client_id,
        post_logout_redirect_uri=other.client.post_logout_redirect_uris,
    )
    _assert_invalid(response)


def test_post_logout_redirect_uri_without_an_identified_client_is_a_400_page(signed_in):
    _assert_invalid(_logout(signed_in, post_logout_redirect_uri=SIGNED_OUT))
    assert _signed_in(signed_in)


def test_nobody_signed_in_still_gets_a_valid_post_logout_redirect(client, app):
    response = _logout(client, client_id=app.client_id, post_logout_redirect_uri=SIGNED_OUT)
    assert response.status_code == 302
    assert response["Location"] == SIGNED_OUT
    assert Event.objects.get(type="oidc.rp_logout").data["signed_out"] is False


def test_nobody_signed_in_with_an_old_hint_gets_the_redirect(app_flow, app):
    hint = _id_token(app_flow)
    app_flow.browser.post("/signout/")
    response = _logout(
        app_flow.browser, id_token_hint=hint, post_logout_redirect_uri=SIGNED_OUT, state="again"
    )
    assert response["Location"] == f"{SIGNED_OUT}?state=again"


def test_nobody_signed_in_without_a_redirect_sees_the_signed_out_page(client):
    response = _logout(client)
    assert response.status_code == 200
    assert b"You are signed out" in response.content


def test_nobody_signed_in_is_still_refused_an_unregistered_redirect(client, app):
    _assert_invalid(
        _logout(client, client_id=app.client_id, post_logout_redirect_uri="https://evil.example/")
    )


# --- id_token_hint and client_id validation (section 2, 4) -----------------------------------


def test_forged_or_garbage_hint_is_a_400_page(app_flow):
    hint = _id_token(app_flow)
    header, payload, signature = hint.split(".")
    last = "BBBB" if signature.endswith("AAAA") else "AAAA"
    tampered_signature = f"{header}.{payload}.{signature[:-4]}{last}"
    alg_none = f"eyJhbGciOiJub25lIn0.{payload}."  # {"alg":"none"}, no signature
    for bad in [tampered_signature, "not-a-jwt", alg_none, "a.b.c", hint + "x", "é"]:
        response = _logout(app_flow.browser, id_token_hint=bad, post_logout_redirect_uri=SIGNED_OUT)
        _assert_invalid(response)
    assert _signed_in(app_flow.browser)
    assert Event.objects.filter(type="oidc.rp_logout", outcome=Outcome.FAILURE).count() == 6


def test_hint_from_another_issuer_is_a_400_page(app_flow):
    hint = _resigned(_id_token(app_flow), iss="https://other-issuer.example")
    response = _logout(app_flow.browser, id_token_hint=hint, post_logout_redirect_uri=SIGNED_OUT)
    _assert_invalid(response)
    assert b"not issued by this provider" in response.content
    assert _signed_in(app_flow.browser)


def test_a_logout_token_is_not_an_id_token_hint(app_flow):
    hint = _resigned(
        _id_token(app_flow),
        events={"http://schemas.openid.net/event/backchannel-logout": {}},
        nonce=None,
    )
    _assert_invalid(_logout(app_flow.browser, id_token_hint=hint))


def test_hint_without_sub_is_a_400_page(app_flow):
    _assert_invalid(
        _logout(app_flow.browser, id_token_hint=_resigned(_id_token(app_flow), sub=None))
    )


def test_client_id_that_is_not_the_hint_audience_is_a_400_page(app_flow, make_client):
    other = make_client(name="Other", post_logout_redirect_uris=[SIGNED_OUT])
    response = _logout(
        app_flow.browser,
        id_token_hint=_id_token(app_flow),
        client_id=other.client_id,
        post_logout_redirect_uri=SIGNED_OUT,
    )
    _assert_invalid(response)
    assert b"audience" in response.content
    assert _signed_in(app_flow.browser)


def test_unknown_or_inactive_client_id_is_a_400_page(signed_in, app):
    _assert_invalid(_logout(signed_in, client_id="no-such-client"))
    Client.objects.filter(pk=app.client.pk).update(is_active=False)
    _assert_invalid(_logout(signed_in, client_id=app.client_id))
    assert _signed_in(signed_in)


def test_hint_for_a_client_that_is_gone_is_a_400_page(app_flow):
    hint = _id_token(app_flow)
    app_flow.rp.client.delete()
    _assert_invalid(_logout(app_flow.browser, id_token_hint=hint))


@pytest.mark.parametrize(
    "name", ["id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales"]
)
def test_repeated_parameters_are_a_400_page(app_flow, name):
    hint = _id_token(app_flow)
    params = [
        ("id_token_hint", hint),
        ("client_id", app_flow.rp.client_id),
        ("post_logout_redirect_uri", SIGNED_OUT),
        ("state", "s"),
        ("ui_locales", "en"),
    ]
    params.append(next(p for p in params if p[0] == name))
    for response in (
        app_flow.browser.get("/oauth/logout?" + urlencode(params)),
        app_flow.browser.post(
            "/oauth/logout", urlencode(params), content_type="application/x-www-form-urlencoded"
        ),
    ):
        _assert_invalid(response)
        assert b"more than once" in response.content
    assert _signed_in(app_flow.browser)


@pytest.mark.parametrize(
    ("name", "size"),
    [("state", 2049), ("client_id", 5000), ("logout_hint", 3000), ("id_token_hint", 40000)],
)
def test_oversized_values_are_a_400_page(signed_in, name, size):
    response = _logout(signed_in, "post", **{name: "a" * size})
    _assert_invalid(response)
    assert b"too long" in response.content


def test_empty_parameters_count_as_absent(client, app):
    response = _logout(
        client, id_token_hint="", client_id=app.client_id, post_logout_redirect_uri=SIGNED_OUT
    )
    assert response["Location"] == SIGNED_OUT


@pytest.mark.parametrize(
    "value", ["\x00", "%00", "é" * 3000, "' OR 1=1 --", "{}", "https://evil.example/", "a" * 20000]
)
def test_junk_values_never_cause_a_server_error_or_a_foreign_redirect(signed_in, app, value):
    for field in [
        "id_token_hint",
        "client_id",
        "post_logout_redirect_uri",
        "state",
        "logout_hint",
        "ui_locales",
    ]:
        for method in ("get", "post"):
            params = {"client_id": app.client_id, field: value}
            response = _logout(signed_in, method, **params)
            assert response.status_code in (200, 400), (field, value, response.status_code)


def test_logout_hint_and_ui_locales_are_accepted(app_flow):
    response = _logout(
        app_flow.browser,
        id_token_hint=_id_token(app_flow),
        logout_hint="alice@example.com",
        ui_locales="fr-CA en",
        post_logout_redirect_uri=SIGNED_OUT,
    )
    assert response.status_code == 302


def test_a_cross_site_post_without_the_session_cookie_continues_as_a_signed_get(app_flow):
    """A SameSite=Lax cookie does not travel with a cross-site POST; a 303 to a GET (a
    top-level navigation) brings it along. The GET carries the validated request, signed,
    not the ID token."""
    hint = _id_token(app_flow)
    params = {"id_token_hint": hint, "post_logout_redirect_uri": SIGNED_OUT, "state": "s"}
    response = HttpClient().post("/oauth/logout", params)  # no cookies at all
    assert response.status_code == 303
    location = response["Location"]
    assert urlsplit(location).path == "/oauth/logout"
    assert list(_query(location)) == ["keyway_resume"]
    assert hint not in location
    assert _signed_in(app_flow.browser)
    # The browser follows it with its cookie: this session, so signed out at once.
    followed = app_flow.browser.get(location)
    assert followed["Location"] == f"{SIGNED_OUT}?state=s"
    assert not _signed_in(app_flow.browser)


def test_a_resumed_request_that_was_altered_or_is_stale_is_a_400_page(client, app, monkeypatch):
    params = {"client_id": app.client_id, "post_logout_redirect_uri": SIGNED_OUT}
    location = client.post("/oauth/logout", params)["Location"]
    _assert_invalid(client.get(location[:-3] + "abc"))
    assert client.get(location)["Location"] == SIGNED_OUT
    an_hour_ago = time.time() - 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: an_hour_ago)
    stale = client.post("/oauth/logout", params)["Location"]
    monkeypatch.undo()
    _assert_invalid(client.get(stale))


def test_a_bad_post_is_refused_before_any_redirect(client):
    _assert_invalid(client.post("/oauth/logout", {"id_token_hint": "garbage"}))


def test_other_methods_are_refused(signed_in):
    assert signed_in.put("/oauth/logout").status_code == 405


# --- What signing out means (OIDC Core 3.1.2.6, sso_sessions token policy) ---------------------


def test_after_rp_logout_prompt_none_is_login_required(app_flow):
    hint = _id_token(app_flow)
    _logout(app_flow.browser, id_token_hint=hint)
    response = app_flow.authorize(prompt="none")
    assert response.status_code == 302
    assert _query(response["Location"])["error"] == ["login_required"]


def test_after_rp_logout_the_sessions_refresh_token_no_longer_works(app_flow):
    tokens = app_flow.exchange(app_flow.get_code()).json()
    _logout(app_flow.browser, id_token_hint=tokens["id_token"])
    refreshed = token_post(
        HttpClient(),
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **app_flow.rp.basic_auth(),
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"


def test_an_offline_access_refresh_token_survives_rp_logout(app_flow):
    """OIDC Core section 11: offline access is meant to outlive the sign-in."""
    tokens = app_flow.exchange(
        app_flow.get_code(scope="openid offline_access", prompt="consent")
    ).json()
    _logout(app_flow.browser, id_token_hint=tokens["id_token"])
    assert not _signed_in(app_flow.browser)
    refreshed = token_post(
        HttpClient(),
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **app_flow.rp.basic_auth(),
    )
    assert refreshed.status_code == 200, refreshed.content


# --- Front-channel logout (Front-Channel Logout 1.0 sections 2, 3) -----------------------------


@pytest.fixture
def participants(signed_in, make_client):
    """Five clients; the session reaches four. Two of those register front-channel logout
    (one wants iss and sid, one does not), one does not, one is deactivated afterwards."""

    def client_with(name: str, uri: str = "", session_required: bool = True, **options):
        registered = make_client(name=name, skip_consent=True, **options)
        registered.client.frontchannel_logout_uri = uri
        registered.client.frontchannel_logout_session_required = session_required
        registered.client.save()
        return registered

    made = {
        "a": client_with(
            "Alpha",
            "https://a.example.com/fc",
            post_logout_redirect_uris=[SIGNED_OUT],
        ),
        "b": client_with("Bravo", "https://b.example.com:8443/logout?x=1", False),
        "c": client_with("Charlie"),
        "d": client_with("Delta (not in this session)", "https://d.example.com/fc"),
        "e": client_with("Echo (inactive)", "https://e.example.com/fc"),
    }
    tokens = {}
    for key in ("a", "b", "c", "e"):
        flow = Flow(signed_in, made[key])
        tokens[key] = flow.exchange(flow.get_code()).json()
    Client.objects.filter(pk=made["e"].client.pk).update(is_active=False)
    return made, tokens


def test_the_front_channel_page_frames_exactly_the_sessions_participants_with_iss_and_sid(
    signed_in, participants, user
):
    _made, tokens = participants
    sid = _session(user).sid
    response = _logout(
        signed_in,
        id_token_hint=tokens["a"]["id_token"],
        post_logout_redirect_uri=SIGNED_OUT,
        state="st-9",
    )
    assert response.status_code == 200
    assert not _signed_in(signed_in)
    frames = _iframes(response)
    assert sorted(frames) == sorted(
        [
            f"https://a.example.com/fc?{urlencode({'iss': ISSUER, 'sid': sid})}",
            "https://b.example.com:8443/logout?x=1",  # session not required: as registered
        ]
    )
    assert sorted(_csp(response, "frame-src")) == [
        "https://a.example.com",
        "https://b.example.com:8443",
    ]
    # The page continues to the relying party without script: meta refresh and a link.
    continue_url = f"{SIGNED_OUT}?state=st-9"
    assert f'content="3;url={continue_url}"' in response.text
    assert f'href="{continue_url}"' in response.text
    assert "<script" not in response.text
    assert "style=" not in response.text
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_front_channel_page_without_a_redirect_offers_to_sign_in_again(signed_in, participants):
    _made, tokens = participants
    response = _logout(signed_in, id_token_hint=tokens["b"]["id_token"])
    assert response.status_code == 200
    assert len(_iframes(response)) == 2
    assert 'http-equiv="refresh"' not in response.text
    assert 'href="/signin/"' in response.text


def test_the_front_channel_page_follows_a_confirmed_logout(signed_in, participants):
    made, _tokens = participants
    page = _logout(signed_in, client_id=made["a"].client_id, post_logout_redirect_uri=SIGNED_OUT)
    response = _confirm(signed_in, page)
    assert response.status_code == 200
    assert len(_iframes(response)) == 2


def test_the_sign_out_page_shows_the_front_channel_iframes_too(signed_in, participants, user):
    sid = _session(user).sid
    response = signed_in.post("/signout/")
    assert response.status_code == 200
    assert b"You are signed out" in response.content
    assert len(_iframes(response)) == 2
    assert f"https://a.example.com/fc?{urlencode({'iss': ISSUER, 'sid': sid})}" in _iframes(
        response
    )
    assert sorted(_csp(response, "frame-src")) == [
        "https://a.example.com",
        "https://b.example.com:8443",
    ]
    assert SignOnSession.objects.get(sid=sid).end_reason == EndReason.SIGN_OUT


def test_the_sign_out_page_is_unchanged_without_front_channel_participants(flow):
    flow.exchange(flow.get_code())
    response = flow.browser.post("/signout/")
    assert response.status_code == 200
    assert b"You are signed out" in response.content
    assert _iframes(response) == []
    assert _csp(response, "frame-src") == []


def test_another_browser_with_the_hint_gets_no_front_channel_page(signed_in, participants):
    _made, tokens = participants
    response = _logout(
        HttpClient(), id_token_hint=tokens["a"]["id_token"], post_logout_redirect_uri=SIGNED_OUT
    )
    assert response.status_code == 302
    assert response["Location"] == SIGNED_OUT
    assert _signed_in(signed_in)
