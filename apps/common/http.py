"""HTTP helpers shared by every app."""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

from apps.common.conf import keyway_settings


def client_ip(request: HttpRequest) -> str:
    """The address of the client, trusting only the configured number of proxies.

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so the client is the N-th entry from the right; anything further
    left was written by the client and may be forged.
    """
    trusted = keyway_settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if trusted <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < trusted:
        return remote
    return hops[-trusted]


def user_agent(request: HttpRequest, *, limit: int = 512) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:limit]


def client_ip_address(request: HttpRequest) -> str | None:
    """``client_ip`` as a normalised address, or None when it is not one (a forged or
    garbled X-Forwarded-For must not reach a GenericIPAddressField)."""
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


class DocumentFetchError(Exception):
    """A document (SAML metadata) could not be fetched."""


class DocumentTooLarge(DocumentFetchError):
    """The document was larger than allowed."""


def document_fetch(
    *, url: str, max_bytes: int, timeout: float, follow_redirects: bool = False
) -> bytes:
    """GET ``url`` and return its body, reading no more than ``max_bytes`` + 1 bytes: an
    endless or huge answer costs bounded memory. Any non-2xx answer is an error."""
    import httpx  # only the registration and refresh paths fetch documents

    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=follow_redirects) as client,
            client.stream("GET", url, headers={"Accept": "application/samlmetadata+xml"}) as answer,
        ):
            if not answer.is_success:
                raise DocumentFetchError(f"{url} answered HTTP {answer.status_code}")
            body = b""
            for chunk in answer.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise DocumentTooLarge(f"{url} is larger than {max_bytes} bytes")
    except httpx.HTTPError as error:
        raise DocumentFetchError(f"{url}: {error}") from error
    return body
