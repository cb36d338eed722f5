"""The hosted sign-in journey in a real browser (Debian's chromium through Playwright).

The Django test client cannot see what only a browser does: the Content-Security-Policy
being enforced, cookies being sent back, forms being submitted without any script. These
tests drive the pages the way a person does, by label and button text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # the `playwright` fixture turns this into a skip, or a failure in CI
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Response

    from apps.accounts.models import User
    from tests.browser.conftest import BrowserError

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INVALID_CREDENTIALS = "The email address or password is incorrect."
SIGNIN_URL = re.compile(r"/signin/(\?.*)?$")
HOME_URL = re.compile(r"://[^/]+/$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def sign_in(page: Page, email: str, password: str) -> Response | None:
    """Fill in and submit the hosted sign-in form and wait for the next page to load.

    Returns the response that page came from: the POST's own (200, 429) when the form is
    shown again, the account page's after a successful sign-in redirects.
    """
    page.goto("/signin/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    return navigation.value


def assert_signed_out(page: Page) -> None:
    """The account page sends an anonymous visitor back to sign in."""
    page.goto("/")
    expect(page).to_have_url(SIGNIN_URL)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_signin_with_right_password_lands_on_account_page(page: Page, user: User) -> None:
    sign_in(page, user.email, PASSWORD)

    expect(page).to_have_url(HOME_URL)
    expect(page.get_by_role("heading", name="Hello, Alice Example")).to_be_visible()
    expect(page.locator("#account-email")).to_have_text("alice@example.com")


def test_wrong_password_shows_error_and_stays_signed_out(page: Page, user: User) -> None:
    response = sign_in(page, user.email, "not the password")

    assert response is not None
    assert response.status == 200
    expect(page).to_have_url(SIGNIN_URL)
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(INVALID_CREDENTIALS)
    expect(alert).to_have_id("signin-error")
    assert_signed_out(page)


def test_unknown_email_gets_the_same_answer_as_wrong_password(page: Page, user: User) -> None:
    wrong_password = sign_in(page, user.email, "not the password")
    wrong_password_text = page.locator("main").inner_text()

    unknown_email = sign_in(page, "nobody@example.com", "not the password")
    unknown_email_text = page.locator("main").inner_text()

    assert wrong_password is not None
    assert unknown_email is not None
    assert unknown_email.status == wrong_password.status == 200
    expect(page.get_by_role("alert")).to_have_text(INVALID_CREDENTIALS)
    # The whole visible page, not just the alert: nothing else may tell the cases apart.
    # (inner_text leaves out input values, so the two typed emails do not count.)
    assert unknown_email_text == wrong_password_text


def test_pages_run_without_csp_violations_or_console_errors(
    page: Page, user: User, browser_errors: list[BrowserError]
) -> None:
    response = page.goto("/signin/")
    assert response is not None
    # Without the header there would be nothing to violate and this test would prove nothing.
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)

    failed = sign_in(page, user.email, "not the password")
    assert failed is not None
    expect(page.get_by_role("alert")).to_be_visible()
    sign_in(page, user.email, PASSWORD)
    expect(page.locator("#account-email")).to_have_text(user.email)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    page.wait_for_load_state("load")

    # CSP violations, failing stylesheets or icons, and script errors all land here.
    assert [str(error) for error in browser_errors] == []


def test_csp_violations_are_caught_as_console_errors(
    page: Page, browser_errors: list[BrowserError]
) -> None:
    """Guards the test above: an inline script must be refused and must be recorded."""
    page.goto("/signin/")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineScriptRan = true";
                document.body.append(script);
            }"""
        )

    assert page.evaluate("() => window.inlineScriptRan") is None
    assert any("Content Security Policy" in error.text for error in browser_errors)


def test_sign_out_button_ends_the_session(page: Page, user: User) -> None:
    sign_in(page, user.email, PASSWORD)
    expect(page.locator("#account-email")).to_have_text(user.email)

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    assert_signed_out(page)


def test_signin_works_without_javascript(
    new_context: Callable[..., BrowserContext], user: User
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, user.email, PASSWORD)

    expect(page).to_have_url(HOME_URL)
    expect(page.locator("#account-email")).to_have_text(user.email)


def test_repeated_failures_throttle_even_the_right_password(page: Page, user: User) -> None:
    for _ in range(5):
        response = sign_in(page, user.email, "not the password")
        assert response is not None
        assert response.status == 200

    response = sign_in(page, user.email, PASSWORD)

    assert response is not None
    assert response.status == 429
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"Too many sign-in attempts\. Try again in \d+ seconds?\.")
    )
    assert_signed_out(page)


def test_failed_signin_page_screenshot_is_a_png(page: Page, user: User, tmp_path: Path) -> None:
    sign_in(page, user.email, "not the password")
    expect(page.get_by_role("alert")).to_be_visible()

    path = tmp_path / "signin-failed.png"
    page.screenshot(path=path, full_page=True)

    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 1000


def test_signin_button_fits_a_phone_viewport(new_context: Callable[..., BrowserContext]) -> None:
    width = 375
    page = new_context(viewport={"width": width, "height": 740}).new_page()
    page.goto("/signin/")

    button = page.get_by_role("button", name="Sign in")
    expect(button).to_be_visible()
    expect(button).to_be_in_viewport()
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width
    # Nothing on the page may force sideways scrolling.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
