"""A person with a browser between SAML service providers and Keyway's IdP, over plain HTTP.

Built on ``oidc_user_agent.UserAgent`` (cookie jar, redirects followed while they stay on
Keyway, the sign-in form): this adds what SAML's browser bindings ask of a browser
(SAML 2.0 Bindings, OASIS saml-bindings-2.0-os):

- HTTP-Redirect (section 3.4): the SP sends the person to Keyway with a URL; a top-level
  GET, so the browser sends Keyway's cookies.
- HTTP-POST (section 3.5): the SP hands the browser a form that posts ``SAMLRequest`` to
  Keyway. That POST is cross-site, so a browser sends only cookies marked ``SameSite=None``
  (RFC 6265bis section 5.6.7.1; browsers treat a cookie without the attribute as ``Lax``).
  ``cross_site_post`` does the same, so a Keyway that relied on its ``Lax`` session cookie
  here would be caught, as a real browser would catch it.
- Keyway answers with an auto-posting form (``SAMLResponse``/``SAMLRequest``, ``RelayState``)
  to the SP; the person "submits" it to the SP's URL, leaving Keyway.

Anything a person could not get past raises ``JourneyError`` with what they saw.
"""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from tests.interop.oidc_user_agent import (
    TIMEOUT_SECONDS,
    Form,
    JourneyError,
    Page,
    UserAgent,
    forms_in,
    sign_in_form,
)

MAX_STEPS = 4


@dataclass
class AutoPost:
    """The form Keyway's page auto-submits to a service provider (SAML Bindings 3.5.4)."""

    action: str
    fields: dict[str, str]
    page: Page

    @property
    def saml_response(self) -> str | None:
        return self.fields.get("SAMLResponse")

    @property
    def saml_request(self) -> str | None:
        return self.fields.get("SAMLRequest")

    @property
    def relay_state(self) -> str | None:
        return self.fields.get("RelayState")


@dataclass
class SignOn:
    """How a sign-on went: the form for the SP, and whether the person had to sign in."""

    auto_post: AutoPost
    signed_in: bool
    pages: list[Page] = field(default_factory=list)


def auto_post_form(page: Page) -> AutoPost | None:
    """The SAML message form on a page, if there is one."""
    for form in forms_in(page.body):
        if form.method == "post" and {"SAMLResponse", "SAMLRequest"} & set(form.fields):
            return AutoPost(urllib.parse.urljoin(page.url, form.action), dict(form.fields), page)
    return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _exchange(
    opener: urllib.request.OpenerDirector, request: urllib.request.Request
) -> tuple[int, dict[str, str], str]:
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return _read(response)
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
        with error:
            return _read(error)


def _read(response) -> tuple[int, dict[str, str], str]:
    charset = response.headers.get_content_charset() or "utf-8"
    headers = {k.lower(): v for k, v in response.headers.items()}
    return response.status, headers, response.read().decode(charset, errors="replace")


def _form_request(url: str, fields: dict[str, str], origin: str) -> urllib.request.Request:
    request = urllib.request.Request(  # noqa: S310 (http://loopback)
        url, data=urllib.parse.urlencode(fields).encode(), method="POST"
    )
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header("Origin", origin)
    return request


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _same_site_none(cookie: http.cookiejar.Cookie) -> bool:
    return (cookie.get_nonstandard_attr("SameSite") or "").lower() == "none"


class SamlBrowser:
    """One person's browser: Keyway's cookies (through ``UserAgent``) and the SPs' pages."""

    def __init__(self, issuer: str) -> None:
        self.agent = UserAgent(issuer)
        self.sp_pages: list[Page] = []  # what the SPs answered
        self._sp_opener = urllib.request.build_opener(_NoRedirects())

    # --- Toward Keyway ------------------------------------------------------------------

    def cross_site_post(self, url: str, fields: dict[str, str], *, from_origin: str) -> Page:
        """POST a form found on another site to Keyway, with only ``SameSite=None`` cookies
        (a browser's rule for cross-site subresource-less POST navigations), keeping any
        cookies Keyway sets."""
        if not self.agent.on_server(url):
            raise JourneyError(f"the SP's form posts to {url}, not to Keyway")
        sendable = http.cookiejar.CookieJar()
        for cookie in self.agent.cookies:
            if _same_site_none(cookie):
                sendable.set_cookie(cookie)
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(sendable), _NoRedirects()
        )
        status, headers, body = _exchange(opener, _form_request(url, fields, from_origin))
        for cookie in sendable:
            self.agent.cookies.set_cookie(cookie)
        page = Page(status=status, url=url, headers=headers, body=body)
        self.agent.history.append(page)
        if page.is_redirect and self.agent.on_server(page.location):
            return self.agent.navigate(page.location)
        return page

    def sign_on(
        self,
        url: str,
        *,
        email: str,
        password: str,
        fields: dict[str, str] | None = None,
        from_origin: str = "",
    ) -> SignOn:
        """Go to Keyway with an SP's message (a Redirect-binding URL, or ``fields`` to POST
        there), sign in if asked, and return the form Keyway has for the SP."""
        first = len(self.agent.history)
        if fields is None:
            page = self.agent.navigate(url)
        else:
            page = self.cross_site_post(url, fields, from_origin=from_origin)
        signed_in = False
        for _ in range(MAX_STEPS):
            if (auto_post := auto_post_form(page)) is not None:
                return SignOn(auto_post, signed_in, self.agent.history[first:])
            if page.status != 200:
                raise JourneyError(f"Keyway answered with an error:\n{page.describe()}")
            form = sign_in_form(page)
            if form is None:
                raise JourneyError(f"neither a sign-in form nor a SAML form:\n{page.describe()}")
            if signed_in:
                raise JourneyError(f"sign-in asked again after signing in:\n{page.describe()}")
            page = self._sign_in(page, form, email=email, password=password)
            signed_in = True
        raise JourneyError(f"no SAML form for the SP after sign-in:\n{page.describe()}")

    def _sign_in(self, page: Page, form: Form, *, email: str, password: str) -> Page:
        missing = {"csrfmiddlewaretoken"} - form.inputs
        if missing:
            raise JourneyError(f"sign-in form lacks {sorted(missing)}:\n{page.describe()}")
        return self.agent.submit(page, form, {"email": email, "password": password})

    def visit(self, url: str) -> Page:
        """A top-level GET on Keyway (Lax cookies go along), following its own redirects."""
        return self.agent.navigate(url)

    # --- Toward the service providers -------------------------------------------------------

    def deliver(self, auto_post: AutoPost) -> Page:
        """Submit Keyway's auto-post form to the SP (leaving Keyway)."""
        if self.agent.on_server(auto_post.action):
            raise JourneyError(f"the SAML form posts back to Keyway: {auto_post.action}")
        request = _form_request(auto_post.action, auto_post.fields, self.agent.origin)
        return self._to_sp(auto_post.action, request)

    def follow_to_sp(self, url: str) -> Page:
        """Follow a redirect that leaves Keyway for an SP (a GET, as a browser would)."""
        if self.agent.on_server(url):
            raise JourneyError(f"expected a redirect to the SP, got one to Keyway: {url}")
        return self._to_sp(url, urllib.request.Request(url))  # noqa: S310 (http://loopback)

    def _to_sp(self, url: str, request: urllib.request.Request) -> Page:
        status, headers, body = _exchange(self._sp_opener, request)
        page = Page(status=status, url=url, headers=headers, body=body)
        self.sp_pages.append(page)
        return page

    @staticmethod
    def sp_origin(url: str) -> str:
        return _origin(url)
