"""A person with a browser, over plain HTTP: the sign-in and consent half of the code flow.

No real browser: a cookie jar, the standard library's HTTP client and HTML parser. It
follows redirects itself, and only while they stay on the server; the redirect that leaves
the server (to the relying party's redirect URI, where nothing listens) is where it stops,
and its ``Location`` is the callback URL the relying party receives.

Whatever the server does that a person could not get past (a page without the expected
form, an error status, a redirect loop) raises ``JourneyError`` with the status, URL and
page text, so a failing test says what the person saw.
"""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

TIMEOUT_SECONDS = 10
MAX_REDIRECTS = 10
BODY_EXCERPT = 3000


class JourneyError(AssertionError):
    """The server did not offer what a person needs to get through the flow."""


@dataclass
class Page:
    status: int
    url: str
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str | None:
        value = self.headers.get("location")
        return urllib.parse.urljoin(self.url, value) if value else None

    @property
    def is_redirect(self) -> bool:
        return self.status in (301, 302, 303, 307, 308) and self.location is not None

    def describe(self) -> str:
        text = self.body if len(self.body) <= BODY_EXCERPT else self.body[:BODY_EXCERPT] + "…"
        where = f" -> {self.location}" if self.location else ""
        return f"HTTP {self.status} at {self.url}{where}\n{text}"


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # inputs that are submitted as-is
    inputs: set[str] = field(default_factory=set)  # every named input, including text ones
    buttons: list[tuple[str, str]] = field(default_factory=list)  # submit (name, value)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._current)
            return
        form = self._current
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            form.inputs.add(name)
            if kind in ("submit", "image"):
                form.buttons.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            else:
                form.fields[name] = a.get("value", "")
        elif tag == "button" and name and a.get("type", "submit").lower() == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            form.inputs.add(name)
            form.fields[name] = ""
            self._textarea = name

    def handle_data(self, data: str) -> None:
        if self._current is not None and self._textarea:
            self._current.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None


def forms_in(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # every redirect comes back as a response: UserAgent decides


class UserAgent:
    """Cookie-keeping HTTP client for one person, bound to one server origin."""

    def __init__(self, server_url: str) -> None:
        parts = urllib.parse.urlsplit(server_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )
        self.history: list[Page] = []

    def on_server(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def request(self, method: str, url: str, data: dict[str, str] | None = None) -> Page:
        if not self.on_server(url):
            raise JourneyError(f"refusing to leave the server for {url}")
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method=method)  # noqa: S310 (http://loopback)
        if body is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
            req.add_header("Origin", self.origin)  # as a browser sends with a form POST
        try:
            with self._opener.open(req, timeout=TIMEOUT_SECONDS) as response:
                page = self._page(response, url)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            with error:
                page = self._page(error, url)
        self.history.append(page)
        return page

    @staticmethod
    def _page(response: Any, url: str) -> Page:
        charset = response.headers.get_content_charset() or "utf-8"
        return Page(
            status=response.status,
            url=url,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=response.read().decode(charset, errors="replace"),
        )

    def navigate(self, url: str, method: str = "GET", data: dict[str, str] | None = None) -> Page:
        """Request ``url`` and follow redirects while they stay on the server.

        Returns the first page that is not such a redirect: a page to read, or the redirect
        that leaves the server (its ``location`` is where the browser would go next).
        """
        page = self.request(method, url, data)
        for _ in range(MAX_REDIRECTS):
            if not (page.is_redirect and self.on_server(page.location)):
                return page
            page = self.request("GET", page.location)
        raise JourneyError(f"more than {MAX_REDIRECTS} redirects:\n{page.describe()}")

    def submit(self, page: Page, form: Form, values: dict[str, str]) -> Page:
        action = urllib.parse.urljoin(page.url, form.action or page.url)
        if form.method != "post":
            raise JourneyError(f"form to {action} uses {form.method.upper()}, not POST")
        return self.navigate(action, "POST", {**form.fields, **values})


def sign_in_form(page: Page) -> Form | None:
    return next((f for f in forms_in(page.body) if {"email", "password"} <= f.inputs), None)


def decision_form(page: Page) -> Form | None:
    return next(
        (f for f in forms_in(page.body) if any(name == "decision" for name, _ in f.buttons)),
        None,
    )


@dataclass
class Journey:
    """Where the person ended up: the callback URL, and which pages they went through."""

    callback_url: str
    signed_in: bool
    consent_shown: bool
    consent_page: Page | None


def authorize(
    agent: UserAgent, authorization_url: str, *, email: str, password: str, decision: str = "allow"
) -> Journey:
    """Open the authorization URL, sign in if asked, answer consent if asked.

    Returns once the server redirects away from itself (to the relying party).
    """
    page = agent.navigate(authorization_url)
    signed_in = consent_shown = False
    consent_page = None
    for _ in range(4):
        if page.is_redirect:  # leaving the server: the authorization response
            return Journey(page.location, signed_in, consent_shown, consent_page)
        if page.status != 200:
            raise JourneyError(f"the server answered with an error page:\n{page.describe()}")
        if (form := sign_in_form(page)) is not None:
            if signed_in:
                raise JourneyError(f"sign-in asked again after signing in:\n{page.describe()}")
            missing = {"csrfmiddlewaretoken", "next"} - form.inputs
            if missing:
                raise JourneyError(f"sign-in form lacks {sorted(missing)}:\n{page.describe()}")
            page = agent.submit(page, form, {"email": email, "password": password})
            signed_in = True
        elif (form := decision_form(page)) is not None:
            if consent_shown:
                raise JourneyError(f"consent asked twice:\n{page.describe()}")
            offered = {value for name, value in form.buttons if name == "decision"}
            if not {"allow", "deny"} <= offered:
                raise JourneyError(
                    f"consent form offers decisions {sorted(offered)}, not allow and deny:\n"
                    f"{page.describe()}"
                )
            if "csrfmiddlewaretoken" not in form.fields:
                raise JourneyError(f"consent form has no CSRF token:\n{page.describe()}")
            consent_shown, consent_page = True, page
            page = agent.submit(page, form, {"decision": decision})
        else:
            raise JourneyError(f"neither a sign-in nor a consent form:\n{page.describe()}")
    raise JourneyError(f"no authorization response after sign-in and consent:\n{page.describe()}")
