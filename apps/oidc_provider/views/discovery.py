"""Provider metadata: OpenID Connect Discovery 1.0 section 3 and RFC 8414 section 2.

Lists exactly what Keyway supports. Built from settings once per process: serving it
touches no database.
"""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from oauth2_provider.settings import oauth2_settings

from apps.accounts.authn import ACR_PASSWORD
from apps.common.conf import keyway_settings
from apps.oidc_provider.models import SigningAlgorithm, TokenEndpointAuthMethod
from apps.oidc_provider.protocol.claims import claims_supported

GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials"]
CLIENT_AUTH = [
    TokenEndpointAuthMethod.CLIENT_SECRET_BASIC.value,
    TokenEndpointAuthMethod.CLIENT_SECRET_POST.value,
]


@cache
def _metadata(issuer: str) -> dict:
    def url(name: str) -> str:
        return issuer + reverse(name)

    return {
        "issuer": issuer,
        "authorization_endpoint": url("oidc:authorize"),
        "token_endpoint": url("oidc:token"),
        "userinfo_endpoint": url("oidc:userinfo"),
        "jwks_uri": url("oidc:jwks"),
        "revocation_endpoint": url("oidc:revoke"),
        "introspection_endpoint": url("oidc:introspect"),
        "end_session_endpoint": url("oidc:end-session"),
        "global_token_revocation_endpoint": url("oidc:global-token-revocation"),
        "scopes_supported": list(oauth2_settings.SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GRANT_TYPES,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [a.value for a in SigningAlgorithm],
        "token_endpoint_auth_methods_supported": [*CLIENT_AUTH, "none"],
        "revocation_endpoint_auth_methods_supported": [*CLIENT_AUTH, "none"],
        "introspection_endpoint_auth_methods_supported": CLIENT_AUTH,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": claims_supported(),
        "acr_values_supported": [ACR_PASSWORD],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        # Front-Channel Logout 1.0 section 3: iss and sid go to clients that ask for them.
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
        # Back-Channel Logout 1.0 section 2.1; Logout Tokens carry sid whenever the logout
        # concerns a session, and ID tokens carry the same sid.
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }


@require_GET
def openid_configuration(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(_metadata(oauth2_settings.OIDC_ISS_ENDPOINT))
    response["Cache-Control"] = f"public, max-age={keyway_settings.JWKS_MAX_AGE}"
    return response


# RFC 8414 section 3: the same metadata at the OAuth 2.0 well-known location.
oauth_authorization_server = openid_configuration
