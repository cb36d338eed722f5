"""Gateway forward-auth conventions, as plain functions (no views, no ORM).

- nginx ``auth_request`` (ngx_http_auth_request_module): the subrequest's answer decides —
  2xx lets the request through, 401 and 403 are returned to the client (the config maps
  401 to a redirect to the sign-in page with ``error_page 401 = @signin``); response
  headers are copied onto the proxied request with ``auth_request_set``. The original
  request is passed as ``X-Original-URI`` / ``X-Original-Method`` by the usual config.
- Traefik ForwardAuth: the request's ``X-Forwarded-Method``, ``X-Forwarded-Proto``,
  ``X-Forwarded-Host`` and ``X-Forwarded-Uri``; 2xx lets it through with the headers
  named in ``authResponseHeaders``, anything else is returned to the client as is — so a
  browser gets a ``Location`` to the sign-in page.

The SiteMinder Web Agent's header variables (``SM_USER``, the responses' ``HTTP_*``
headers) become the 200 answer's headers.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

HTTP_METHOD = re.compile(r"^[A-Z]{1,16}$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")
HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?$")


@dataclass(frozen=True)
class Original:
    """The request the gateway is asking about."""

    scheme: str
    host: str
    uri: str  # as sent: path and query
    path: str  # normalised: what the rules are matched against
    method: str

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.uri}"


class BadForwardedRequest(ValueError):
    pass


def path_normalise(uri: str) -> str:
    """The path the protected application will serve: query dropped, percent-decoding
    and dot segments resolved (so ``/public/%2e%2e/admin`` is matched as ``/admin``),
    repeated slashes collapsed, a trailing slash kept."""
    # Not urlsplit: it would read "//host/x" as a network location.
    path = unquote(uri.split("?", 1)[0].split("#", 1)[0] or "/", errors="strict")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path) or "\\" in path:
        raise BadForwardedRequest("control characters or backslashes in the path")
    normal = posixpath.normpath("/" + path.lstrip("/"))
    normal = "/" + normal.lstrip("/")
    if path.endswith("/") and normal != "/":
        normal += "/"
    return normal


def original_request(headers: Mapping[str, str], *, fallback_method: str) -> Original:
    """Read the original request from the gateway's headers (Traefik names first, then
    the nginx ones). ``headers`` must look names up case-insensitively, as HTTP does
    (Django's ``request.headers``)."""
    host = (headers.get("X-Forwarded-Host") or headers.get("X-Original-Host") or "").strip()
    host = host.split(",")[0].strip()
    uri = headers.get("X-Forwarded-Uri") or headers.get("X-Original-URI") or "/"
    method = (
        (headers.get("X-Forwarded-Method") or headers.get("X-Original-Method") or fallback_method)
        .strip()
        .upper()
    )
    scheme = (headers.get("X-Forwarded-Proto") or "https").split(",")[0].strip().lower()
    if not host or not HOST.match(host):
        raise BadForwardedRequest("X-Forwarded-Host is missing or not a host name")
    if not HTTP_METHOD.match(method):
        raise BadForwardedRequest("X-Forwarded-Method is not an HTTP method")
    if scheme not in ("http", "https"):
        raise BadForwardedRequest("X-Forwarded-Proto must be http or https")
    if len(uri) > 8192 or not uri.startswith("/"):
        raise BadForwardedRequest("X-Forwarded-Uri must be an absolute path")
    try:
        path = path_normalise(uri)
    except UnicodeDecodeError:
        raise BadForwardedRequest("the path is not UTF-8") from None
    return Original(scheme=scheme, host=host.lower(), uri=uri, path=path, method=method)


def looks_like_browser(accept: str) -> bool:
    return "text/html" in accept.lower()


def header_safe(name: str, value: str) -> tuple[str, str] | None:
    """A response header the gateway can copy, or None (never a header-injection)."""
    if not HEADER_NAME.match(name):
        return None
    return name, "".join(c for c in value if c >= " " and c != "\x7f")[:4096]
