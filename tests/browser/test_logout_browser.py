"""RP-Initiated Logout and Front-Channel Logout in a real browser.

The relying party lives at https://rp.example.test, answered inside the browser by
Playwright (nothing listens there): its callback receives the code, its front-channel
logout URI records that the iframe reached it, its post-logout page ends the journey.
What matters here is what only a browser shows: the front-channel iframe is allowed by the
page's CSP ``frame-src``, the page continues by meta refresh without any script, nothing
is reported on the console, and a cross-site form POST (which leaves the SameSite=Lax
session cookie behind) still signs the person out.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client as HttpClient

from apps.oidc_provider.client_services import client_create
from apps.sso_sessions.models import EndReason, SignOnSession
from tests.conftest import PASSWORD
from tests.oidc_provider.conftest import pkce_pair, token_post

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

    from tests.browser.conftest import BrowserError

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RP = "https://rp.example.test"
CALLBACK = f"{RP}/callback"
FRONTCHANNEL = f"{RP}/frontchannel-logout"
SIGNED_OUT = f"{RP}/signed-out"
LOGOUT_FORM = f"{RP}/logout-form"


@pytest.fixture
def issuer(settings, live_server):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    return live_server.url


@pytest.fixture
def registered():
    client, secret = client_create(
        name="Expense Reports",
        client_type="confidential",
        redirect_uris=[CALLBACK],
        post_logout_redirect_uris=[SIGNED_OUT],
        scopes=["openid", "email"],
        skip_consent=True,
    )
    client.frontchannel_logout_uri = FRONTCHANNEL
    client.frontchannel_logout_session_required = True
    client.save()
    return client, secret


class RelyingParty:
    """Answers every request to the RP's origin inside the browser and records it."""

    def __init__(self, page: Page, pages: dict[str, str] | None = None) -> None:
        self.seen: list[str] = []
        self.pages = pages or {}
        page.route(f"{RP}/**", self._handle)

    def _handle(self, route: Route) -> None:
        url = route.request.url
        self.seen.append(url)
        path = urlsplit(url).path
        body = self.pages.get(path, f"<p>relying party {path}</p>")
        route.fulfill(status=200, content_type="text/html", body=body)

    def requests_to(self, prefix: str) -> list[str]:
        return [url for url in self.seen if url.startswith(prefix)]


def _sign_in_through_the_rp(page: Page, rp: RelyingParty, client, secret, email: str) -> str:
    """The code flow in the browser, the code exchanged by the RP's back end: the ID token."""
    verifier, challenge = pkce_pair()
    page.goto(
        "/oauth/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": client.client_id,
                "redirect_uri": CALLBACK,
                "scope": "openid email",
                "state": "st-in",
                "nonce": "n-1",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
    )
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("relying party /callback").wait_for()
    (callback,) = rp.requests_to(CALLBACK)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    basic = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    tokens = token_post(
        HttpClient(),
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        HTTP_AUTHORIZATION=f"Basic {basic}",
    ).json()
    return tokens["id_token"]


def _assert_front_channel_then_back_to_the_rp(
    page: Page, rp: RelyingParty, issuer: str, user, browser_errors: list[BrowserError]
) -> None:
    session = SignOnSession.objects.get(user=user)
    # The meta refresh brings the browser back to the RP once the iframes had time to load.
    page.wait_for_url(f"{SIGNED_OUT}**")
    page.get_by_text("relying party /signed-out").wait_for()
    (frontchannel,) = rp.requests_to(FRONTCHANNEL)
    assert parse_qs(urlsplit(frontchannel).query) == {"iss": [issuer], "sid": [session.sid]}
    assert parse_qs(urlsplit(page.url).query) == {"state": ["bye-1"]}
    session.refresh_from_db()
    assert session.end_reason == EndReason.RP_LOGOUT
    assert [str(e) for e in browser_errors] == []


def test_rp_initiated_logout_runs_front_channel_logout_then_returns_to_the_rp(
    page: Page, user, issuer: str, registered, browser_errors: list[BrowserError]
) -> None:
    client, secret = registered
    rp = RelyingParty(page)
    id_token = _sign_in_through_the_rp(page, rp, client, secret, user.email)

    page.goto(
        "/oauth/logout?"
        + urlencode(
            {
                "id_token_hint": id_token,
                "post_logout_redirect_uri": SIGNED_OUT,
                "state": "bye-1",
            }
        )
    )
    # Keyway's own page first: signed out, the RP framed, a link to continue.
    page.get_by_role("heading", name="You are signed out").wait_for()
    assert page.locator("iframe").count() == 1
    assert page.get_by_role("link", name="Continue to Expense Reports").is_visible()
    _assert_front_channel_then_back_to_the_rp(page, rp, issuer, user, browser_errors)

    # Signed out for real: Keyway's own pages ask for the password again.
    page.goto("/")
    assert urlsplit(page.url).path == "/signin/"


def test_a_cross_site_logout_form_post_still_finds_the_session(
    page: Page, user, issuer: str, registered, browser_errors: list[BrowserError]
) -> None:
    """The RP posts its logout form from its own origin: the SameSite=Lax session cookie
    stays behind, so Keyway answers with a 303 to the same request as a GET."""
    client, secret = registered
    rp = RelyingParty(page)
    id_token = _sign_in_through_the_rp(page, rp, client, secret, user.email)
    fields = {"id_token_hint": id_token, "post_logout_redirect_uri": SIGNED_OUT, "state": "bye-1"}
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    rp.pages["/logout-form"] = (
        f'<form method="post" action="{issuer}/oauth/logout">{inputs}'
        '<button type="submit">Log out</button></form>'
    )
    answers: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: (
            answers.append((r.request.method, r.status)) if "/oauth/logout" in r.url else None
        ),
    )
    page.goto(LOGOUT_FORM)
    page.get_by_role("button", name="Log out").click()
    _assert_front_channel_then_back_to_the_rp(page, rp, issuer, user, browser_errors)
    assert answers == [("POST", 303), ("GET", 200)]


def test_the_confirmation_page_works_in_the_browser(
    page: Page, user, issuer: str, registered, browser_errors: list[BrowserError]
) -> None:
    """No id_token_hint: Keyway asks first; the answer redirects to the RP (CSP form-action
    must allow it) after the front-channel page."""
    client, secret = registered
    rp = RelyingParty(page)
    _sign_in_through_the_rp(page, rp, client, secret, user.email)
    page.goto(
        "/oauth/logout?"
        + urlencode(
            {
                "client_id": client.client_id,
                "post_logout_redirect_uri": SIGNED_OUT,
                "state": "bye-1",
            }
        )
    )
    page.get_by_role("heading", name="Sign out of Keyway?").wait_for()
    page.get_by_role("button", name="Sign out").click()
    _assert_front_channel_then_back_to_the_rp(page, rp, issuer, user, browser_errors)
