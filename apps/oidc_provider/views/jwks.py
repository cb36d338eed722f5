"""The JWK Set endpoint (RFC 7517 section 5): the public keys relying parties verify with."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from apps.common.conf import keyway_settings
from apps.oidc_provider.keys import jwks_public


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """Every published signing key, cached by relying parties for JWKS_MAX_AGE seconds.

    Served from the process's key cache: no database query and no key parsing per request.
    The content type is ``application/json``, not RFC 7517 section 8.5's
    ``application/jwk-set+json``: OpenID Connect Discovery only says ``jwks_uri`` is a JSON
    document, and several relying-party libraries check for ``application/json`` before
    they parse, while none refuse it.
    """
    response = JsonResponse(jwks_public())
    # public: shared caches and CDNs may keep it too, the document holds no secret.
    # The max-age is part of the rotation arithmetic: a new key is published at least
    # JWKS_MAX_AGE + SIGNING_KEY_CACHE_SECONDS before it signs (system check keyway.E103).
    response["Cache-Control"] = f"public, max-age={keyway_settings.JWKS_MAX_AGE}"
    return response
