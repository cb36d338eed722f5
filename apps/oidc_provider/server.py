"""The oauthlib server Keyway runs: only the grants and response types it supports.

Rather than switching unwanted grants off one by one, the server is composed of exactly:
response type ``code`` (RFC 6749 section 4.1, OIDC Core 3.1), and the grant types
``authorization_code``, ``refresh_token`` and ``client_credentials``. Anything else gets
``unsupported_response_type`` / ``unsupported_grant_type`` from oauthlib itself.
"""

from __future__ import annotations

from typing import Any

from oauthlib.oauth2.rfc6749.endpoints import (
    AuthorizationEndpoint,
    IntrospectEndpoint,
    ResourceEndpoint,
    RevocationEndpoint,
    TokenEndpoint,
)
from oauthlib.oauth2.rfc6749.grant_types import AuthorizationCodeGrant as OAuth2CodeGrant
from oauthlib.oauth2.rfc6749.grant_types import ClientCredentialsGrant
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256
from oauthlib.oauth2.rfc6749.tokens import BearerToken
from oauthlib.openid.connect.core.endpoints.userinfo import UserInfoEndpoint
from oauthlib.openid.connect.core.grant_types import AuthorizationCodeGrant as OIDCCodeGrant
from oauthlib.openid.connect.core.grant_types import RefreshTokenGrant
from oauthlib.openid.connect.core.grant_types.dispatchers import (
    AuthorizationCodeGrantDispatcher,
    AuthorizationTokenGrantDispatcher,
)


class S256AuthorizationCodeGrant(OAuth2CodeGrant):
    """Authorization code grant that accepts only the S256 PKCE method.

    RFC 7636 section 4.2 lets a server refuse ``plain``; RFC 9700 section 2.1.1 says it
    SHOULD. An absent ``code_challenge_method`` means ``plain`` (RFC 7636 section 4.3),
    so it is refused too, with ``invalid_request`` (RFC 7636 section 4.4.1).
    """

    _code_challenge_methods = {"S256": code_challenge_method_s256}


class KeywayServer(
    AuthorizationEndpoint,
    IntrospectEndpoint,
    TokenEndpoint,
    ResourceEndpoint,
    RevocationEndpoint,
    UserInfoEndpoint,
):
    def __init__(
        self,
        request_validator: Any,
        token_expires_in: Any = None,
        token_generator: Any = None,
        refresh_token_generator: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        self.auth_grant = S256AuthorizationCodeGrant(request_validator)
        self.openid_connect_auth = OIDCCodeGrant(request_validator)
        # The OIDC grant delegates the OAuth 2.0 rules to a code grant of its own making
        # (with OIDC hooks registered on it): give that one the same PKCE rule.
        self.openid_connect_auth.proxy_target._code_challenge_methods = (
            S256AuthorizationCodeGrant._code_challenge_methods
        )
        self.credentials_grant = ClientCredentialsGrant(request_validator)
        self.refresh_grant = RefreshTokenGrant(request_validator)
        self.bearer = BearerToken(
            request_validator, token_generator, token_expires_in, refresh_token_generator
        )
        code_choice = AuthorizationCodeGrantDispatcher(
            default_grant=self.auth_grant, oidc_grant=self.openid_connect_auth
        )
        AuthorizationEndpoint.__init__(
            self,
            default_response_type="code",
            response_types={"code": code_choice},
            default_token_type=self.bearer,
        )
        token_choice = AuthorizationTokenGrantDispatcher(
            request_validator, default_grant=self.auth_grant, oidc_grant=self.openid_connect_auth
        )
        TokenEndpoint.__init__(
            self,
            default_grant_type="authorization_code",
            grant_types={
                "authorization_code": token_choice,
                "refresh_token": self.refresh_grant,
                "client_credentials": self.credentials_grant,
            },
            default_token_type=self.bearer,
        )
        ResourceEndpoint.__init__(self, default_token="Bearer", token_types={"Bearer": self.bearer})
        RevocationEndpoint.__init__(self, request_validator)
        IntrospectEndpoint.__init__(self, request_validator)
        UserInfoEndpoint.__init__(self, request_validator)
