"""The authorization code flow in a real browser: sign-in and consent forms whose answers
redirect to the relying party must not be blocked by the Content-Security-Policy
(form-action also governs redirects after a form submission)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from apps.oidc_provider.client_services import client_create
from tests.conftest import PASSWORD
from tests.oidc_provider.conftest import pkce_pair

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

    from tests.browser.conftest import BrowserError

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALLBACK = "https://rp.example.test/callback"


@pytest.fixture
def issuer(settings, live_server):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    return live_server.url


def _authorize_url(client_id: str) -> str:
    _verifier, challenge = pkce_pair()
    return "/oauth/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid email",
            "state": "st-123",
            "nonce": "n-1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )


def _capture_callback(page: Page) -> list[str]:
    """Answer the relying party's callback inside the browser (nothing listens there)."""
    seen: list[str] = []

    def handle(route: Route) -> None:
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>relying party</p>")

    page.route(f"{CALLBACK}**", handle)
    return seen


def _sign_in(page: Page, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _assert_code_delivered(seen: list[str], issuer: str) -> None:
    assert len(seen) == 1, seen
    query = parse_qs(urlsplit(seen[0]).query)
    assert query["state"] == ["st-123"]
    assert query["iss"] == [issuer]
    assert query["code"][0]


def test_consent_then_redirect_to_the_relying_party(
    page: Page, user, issuer: str, browser_errors: list[BrowserError]
) -> None:
    client, _secret = client_create(
        name="Expense Reports",
        client_type="confidential",
        redirect_uris=[CALLBACK],
        scopes=["openid", "email"],
    )
    seen = _capture_callback(page)
    page.goto(_authorize_url(client.client_id))
    _sign_in(page, user.email)
    page.get_by_role("heading", name="Allow Expense Reports?").wait_for()
    page.get_by_role("button", name="Allow").click()
    page.get_by_text("relying party").wait_for()
    _assert_code_delivered(seen, issuer)
    assert [str(e) for e in browser_errors] == []


def test_first_party_sign_in_redirects_straight_to_the_relying_party(
    page: Page, user, issuer: str, browser_errors: list[BrowserError]
) -> None:
    client, _secret = client_create(
        name="Intranet",
        client_type="confidential",
        redirect_uris=[CALLBACK],
        scopes=["openid", "email"],
        skip_consent=True,
    )
    seen = _capture_callback(page)
    page.goto(_authorize_url(client.client_id))
    _sign_in(page, user.email)
    page.get_by_text("relying party").wait_for()
    _assert_code_delivered(seen, issuer)
    assert [str(e) for e in browser_errors] == []
