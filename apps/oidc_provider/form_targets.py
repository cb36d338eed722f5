"""Where a hosted form may be redirected to during an authorization request.

The sign-in page's answer redirects to the authorization endpoint, which may redirect
straight on to the client; CSP ``form-action`` must allow that client's origin then. Only a
redirect URI registered for an active client counts, so a crafted ``next`` widens nothing.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from apps.common.csp import origin_of
from apps.oidc_provider import selectors


def authorization_form_targets(next_url: str) -> list[str]:
    parts = urlsplit(next_url or "")
    if parts.scheme or parts.netloc or parts.path != reverse("oidc:authorize"):
        return []
    params = {k: v[0] for k, v in parse_qs(parts.query).items() if len(v) == 1}
    client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
    if not client_id or not redirect_uri or len(client_id) > 255:
        return []
    client = selectors.client_by_id(client_id=client_id)
    if client is None or not client.is_active or not client.redirect_uri_allowed(redirect_uri):
        return []
    origin = origin_of(redirect_uri)
    return [origin] if origin else []
