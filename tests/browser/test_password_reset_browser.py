"""The password-reset journey in a real browser, with JavaScript off: from the sign-in
page's link, through the mailed link, to signing in with the new password."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.core import mail

try:
    from playwright.sync_api import expect
except ImportError:  # the `playwright` fixture turns this into a skip, or a failure in CI
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from apps.accounts.models import User
    from tests.browser.conftest import BrowserError

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a brand new passphrase 42"
LINK = re.compile(r"https?://[^/\s]+(/password/reset/[^/\s]+/[^/\s]+/)")


def test_imported_user_sets_a_password_from_the_mailed_link_without_javascript(
    new_context: Callable[..., BrowserContext],
    make_user: Callable[..., User],
    browser_errors: list[BrowserError],
) -> None:
    make_user(email="legacy@example.com", password=None)
    page = new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}).new_page()

    page.goto("/signin/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    page.get_by_label("Email address").fill("legacy@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    assert len(mail.outbox) == 1
    path = LINK.search(mail.outbox[0].body).group(1)
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/set-password/$"))
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password again").fill("short")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("This password is too short")).to_be_visible()

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill("legacy@example.com")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, legacy@example.com")).to_be_visible()

    # The used link now shows the clear error page.
    page.goto(path)
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    # Chromium logs the deliberate 400 answers; anything else (a CSP violation) is a bug.
    unexpected = [str(e) for e in browser_errors if "status of 400" not in e.text]
    assert unexpected == []
