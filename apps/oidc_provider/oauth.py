"""Access to django-oauth-toolkit's oauthlib core, built once per process."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views.mixins import OAuthLibMixin


def oauthlib_core() -> OAuthLibCore:
    return OAuthLibMixin.get_oauthlib_core()


def issuer() -> str:
    return oauth2_settings.OIDC_ISS_ENDPOINT


def redirect_with_params(uri: str, params: dict[str, str]) -> str:
    """``uri`` with ``params`` added to its query, replacing any of the same name."""
    parts = urlsplit(uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
