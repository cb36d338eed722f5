"""Fixtures for the browser tests: Debian's chromium driven by Playwright's sync API.

One browser per test session; a fresh context (cookies, storage, viewport) per test, so no
session cookie leaks from one test into the next. Every context records console errors and
uncaught page errors in ``browser_errors``; Chromium reports Content-Security-Policy
violations as console errors, so this also catches those.

Skip rule: when /usr/bin/chromium (or the playwright package) is missing the tests are
skipped, unless KEYWAY_REQUIRE_BROWSER=1, which CI sets so that a missing browser fails
the run instead of silently skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Playwright,
        WebError,
    )
    from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
# --no-sandbox: the tests may run as root, where chromium refuses to start sandboxed.
# The background-networking/component-update/sync flags stop chromium from reaching out to
# Google services: there is no network here, and the retries only slow everything down.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER_ENV = "KEYWAY_REQUIRE_BROWSER"
# Fail an action or assertion after 10 s instead of Playwright's default 30 s.
TIMEOUT_MS = 10_000


def _browser_unavailable(reason: str) -> None:
    """Skip, or fail when the environment demands the browser tests actually run."""
    if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
        pytest.fail(
            f"{reason}; {REQUIRE_BROWSER_ENV}=1 forbids skipping the browser tests",
            pytrace=False,
        )
    pytest.skip(f"{reason} (set {REQUIRE_BROWSER_ENV}=1 to turn this skip into a failure)")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        _browser_unavailable(f"{CHROMIUM} not found: install Debian's chromium package")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("the playwright package is not installed (pip install -e .[dev])")

    # While Playwright's sync API is alive it keeps an asyncio event loop running in this
    # (the test) thread, and Django then refuses every ORM call made from this thread with
    # SynchronousOnlyOperation: creating users in a test, and the database flush after it.
    # Those calls are plain synchronous code, so allow them for as long as Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass(frozen=True)
class BrowserError:
    kind: str  # "console" or "pageerror"
    text: str
    url: str  # where it came from: the script or resource, else the page

    def __str__(self) -> str:
        return f"[{self.kind}] {self.url}: {self.text}"


@pytest.fixture
def browser_errors() -> list[BrowserError]:
    """Console errors and uncaught exceptions from every context made in this test."""
    return []


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer, browser_errors: list[BrowserError]
) -> Iterator[Callable[..., BrowserContext]]:
    """Make fresh browser contexts pointed at the live server; all closed after the test.

    Keyword arguments go to ``Browser.new_context`` (``java_script_enabled``, ``viewport``).
    """
    contexts: list[BrowserContext] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            # The source's URL: for "Failed to load resource" that is the failing resource.
            url = message.location.get("url") or (message.page.url if message.page else "")
            browser_errors.append(BrowserError("console", message.text, url))

    def on_weberror(error: WebError) -> None:
        url = error.page.url if error.page else ""
        browser_errors.append(BrowserError("pageerror", str(error.error), url))

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", on_console)
        context.on("weberror", on_weberror)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
