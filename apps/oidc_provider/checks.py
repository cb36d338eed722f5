"""Start-up checks for the OpenID Provider's configuration."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from oauth2_provider.settings import oauth2_settings

from apps.common.conf import keyway_settings


@register(Tags.security)
def check_issuer(app_configs: Any = None, **kwargs: Any) -> list:
    issuer = oauth2_settings.OIDC_ISS_ENDPOINT
    parts = urlsplit(issuer)
    # OIDC Discovery 3 / RFC 8414 section 2: https, no query or fragment.
    if not issuer or parts.query or parts.fragment or issuer.endswith("/"):
        return [
            Error(
                f"The issuer {issuer!r} must be a URL without query, fragment or trailing slash.",
                hint="Set KEYWAY_ISSUER.",
                id="keyway.E101",
            )
        ]
    if (
        parts.scheme != "https"
        and not settings.DEBUG
        and parts.hostname not in ("127.0.0.1", "localhost", "testserver")
    ):
        return [Error(f"The issuer {issuer!r} must use https.", id="keyway.E102")]
    return []


@register(Tags.security)
def check_signing_key_timing(app_configs: Any = None, **kwargs: Any) -> list:
    delay = keyway_settings.SIGNING_KEY_ACTIVATION_DELAY
    needed = keyway_settings.JWKS_MAX_AGE + keyway_settings.SIGNING_KEY_CACHE_SECONDS
    if delay < needed:
        return [
            Error(
                f"SIGNING_KEY_ACTIVATION_DELAY ({delay}s) is shorter than JWKS_MAX_AGE + "
                f"SIGNING_KEY_CACHE_SECONDS ({needed}s): relying parties could receive tokens "
                "signed by a key they have not fetched yet.",
                id="keyway.E103",
            )
        ]
    return []
