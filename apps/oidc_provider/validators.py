"""Glue between django-oauth-toolkit / oauthlib and Keyway.

oauthlib applies RFC 6749 and OpenID Connect Core; this validator answers its questions
from Keyway's data and adds what DOT does not do the way Keyway needs: client
authentication by the registered method, ID tokens signed with the rotating key store
and carrying the sign-on context, revocation of everything issued from a replayed code,
and fewer queries on the token path (the grant is loaded once per request, not six times).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from oauth2_provider.models import get_access_token_model, get_grant_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request
from oauthlib.oauth2.rfc6749 import errors

from apps.oidc_provider import keys, selectors, services
from apps.oidc_provider.import_services import client_secret_upgrade, secret_hash_algorithm
from apps.oidc_provider.models import TokenEndpointAuthMethod
from apps.oidc_provider.obligations import claims_add, policy_claims
from apps.oidc_provider.protocol.claims import claims_for_scopes
from apps.sso_sessions.models import ParticipantKind
from apps.sso_sessions.services import participant_record

log = logging.getLogger(__name__)

Grant = get_grant_model()
AccessToken = get_access_token_model()


def code_checksum(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class KeywayValidator(OAuth2Validator):
    # Claims are released by protocol.claims, not by DOT's scope table.
    oidc_claim_scope = None

    # --- Client authentication: RFC 6749 section 2.3, OIDC Core section 9 ----------------
    def authenticate_client(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        used_basic = self._extract_basic_auth(request) is not None
        if used_basic and getattr(request, "client_secret", None):
            # RFC 6749 section 2.3: "The client MUST NOT use more than one authentication
            # method in each request."
            return False
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        registered = request.client.token_endpoint_auth_method
        if registered == TokenEndpointAuthMethod.CLIENT_SECRET_BASIC:
            authenticated = used_basic
        elif registered == TokenEndpointAuthMethod.CLIENT_SECRET_POST:
            authenticated = not used_basic
        else:
            return False  # "none": a public client has no secret to present
        if authenticated and secret_hash_algorithm(request.client.client_secret) != (
            "keyway_client_secret"
        ):
            # An imported legacy bcrypt hash (~75 ms per check): re-hash the secret just
            # verified with the fast hasher (import_services.client_secret_upgrade).
            client_secret_upgrade(
                client=request.client, plaintext=self._presented_secret(request, used_basic)
            )
        return authenticated

    def _presented_secret(self, request: Request, used_basic: bool) -> str:
        """The secret DOT just verified (decoded from Basic exactly as DOT does)."""
        if not used_basic:
            return request.client_secret
        raw = base64.b64decode(self._extract_basic_auth(request))
        decoded = raw.decode(getattr(request, "encoding", None) or settings.DEFAULT_CHARSET)
        return unquote_plus(decoded.split(":", 1)[1])

    # --- Scopes: RFC 6749 section 3.3 ------------------------------------------------------
    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Only scopes Keyway knows and this client is registered for."""
        requested = set(scopes)
        return requested <= set(oauth2_settings.SCOPES) and requested <= set(client.allowed_scopes)

    def get_default_scopes(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        # No scope asked, none granted: nothing is implied on the client's behalf.
        return []

    # --- Authorization codes -------------------------------------------------------------
    def _grant(self, code: str, request: Request) -> Any:
        """The Grant for ``code``, loaded once per token request.

        Looked up by code alone: oauthlib asks for its scopes (to choose the OpenID grant)
        before the client has authenticated. ``validate_code`` checks it is this client's.
        """
        cached = getattr(request, "_keyway_grant", None)
        if cached is not None and cached.code == code:
            return cached
        grant = Grant.objects.select_related("user").filter(code=code).first()
        request._keyway_grant = grant
        return grant

    def save_authorization_code(
        self, client_id: str, code: dict, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        services.authorization_create(
            client=request.client,
            user=request.user,
            code_checksum=code_checksum(code["code"]),
            scope=" ".join(request.scopes),
            auth_context=request.keyway_auth_context,
        )

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        grant = self._grant(code, request)
        authorization = selectors.authorization_by_code(checksum=code_checksum(code))

        def refuse(description: str) -> bool:
            raise errors.InvalidGrantError(description=description, request=request)

        if authorization is None:
            return refuse("The authorization code is not valid.")
        if grant is None or grant.application_id != client.pk or grant.is_expired():
            if authorization.redeemed_at is not None:
                services.authorization_revoke_replayed(authorization=authorization)
                return refuse("The authorization code was already used.")
            return refuse("The authorization code is not valid or has expired.")
        # Claim the code before anything is minted, so two concurrent requests cannot both
        # get tokens for it. A code that fails a later check (PKCE, redirect_uri) stays
        # spent: RFC 6749 4.1.2 allows one use, not one success.
        if not services.authorization_redeem(authorization=authorization):
            # RFC 6749 section 4.1.2: a code used twice must fail, and the server SHOULD
            # revoke every token already issued from it.
            services.authorization_revoke_replayed(authorization=authorization)
            return refuse("The authorization code was already used.")
        request.scopes = grant.scope.split()
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        request.keyway_authorization = authorization
        return True

    def confirm_redirect_uri(
        self,
        client_id: str,
        code: str,
        redirect_uri: str,
        client: Any,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        # RFC 6749 section 4.1.3: REQUIRED here because Keyway's authorization requests
        # always carry it, and identical to the value sent there.
        grant = self._grant(code, request)
        if (
            getattr(request, "using_default_redirect_uri", False)
            or grant is None
            or grant.redirect_uri != redirect_uri
        ):
            # RFC 6749 section 5.2 names this invalid_grant (oauthlib would say
            # invalid_request).
            raise errors.InvalidGrantError(
                description="redirect_uri does not match the authorization request.",
                request=request,
            )
        return True

    def get_code_challenge(self, code: str, request: Request) -> str | None:
        grant = self._grant(code, request)
        return (grant.code_challenge or None) if grant else None

    def get_code_challenge_method(self, code: str, request: Request) -> str | None:
        grant = self._grant(code, request)
        return (grant.code_challenge_method or None) if grant else None

    def get_authorization_code_scopes(
        self, client_id: str, code: str, redirect_uri: str, request: Request
    ) -> list[str]:
        grant = self._grant(code, request)
        return grant.scope.split() if grant else []

    def get_authorization_code_nonce(
        self, client_id: str, code: str, redirect_uri: str, request: Request
    ) -> str | None:
        grant = self._grant(code, request)
        return (grant.nonce or None) if grant else None

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        refresh = getattr(request, "keyway_refresh_token", None)
        access = getattr(request, "keyway_access_token", None)
        authorization = request.keyway_authorization
        services.authorization_tokens_record(
            authorization=authorization,
            refresh_token_family=refresh.token_family if refresh else None,
            access_token_id=access.pk if access else None,
        )
        if authorization.sid:
            # The client is now a participant of the sign-on session (it will be told
            # when the session ends).
            participant_record(
                sid=authorization.sid, kind=ParticipantKind.OIDC, party_id=request.client.client_id
            )

    # --- Tokens ----------------------------------------------------------------------------
    def _save_bearer_token(self, token: dict, request: Request, *args: Any, **kwargs: Any) -> None:
        if "refresh_token" in token and not request.client.allows_grant_type("refresh_token"):
            # A client not registered for refresh_token gets none (RFC 6749 section 5.1:
            # the refresh token is OPTIONAL).
            del token["refresh_token"]
        super()._save_bearer_token(token, request, *args, **kwargs)

    def _create_access_token(
        self, expires: Any, request: Request, token: dict, source_refresh_token: Any = None
    ) -> Any:
        # DOT would parse the ID token again to link an IDToken row; Keyway's ID tokens are
        # self-contained and verified by signature, so no row is kept.
        access_token = AccessToken(
            user=request.user,
            scope=token["scope"],
            expires=expires,
            application=request.client,
            source_refresh_token=source_refresh_token,
            resource=getattr(request, "resource", []),
        )
        self._set_token_value(access_token, token["access_token"])
        access_token.save()
        request.keyway_access_token = access_token
        return access_token

    def _create_refresh_token(
        self,
        request: Request,
        refresh_token_code: str,
        access_token: Any,
        previous_refresh_token: Any,
    ) -> Any:
        refresh = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        request.keyway_refresh_token = refresh
        return refresh

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        refused = errors.InvalidGrantError(
            description="The refresh token is not valid, has expired, was revoked or was "
            "already used.",
            request=request,
        )
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            raise refused
        family = request.refresh_token_instance.token_family
        authorization = selectors.authorization_by_refresh_family(family=family)
        if authorization is None or authorization.revoked_at is not None:
            raise refused
        request.keyway_authorization = authorization
        return True

    # --- ID tokens: OIDC Core section 2 and 3.1.3.6 ----------------------------------------
    def finalize_id_token(
        self, id_token: dict, token: dict, token_handler: Any, request: Request
    ) -> str:
        authorization = request.keyway_authorization
        now = int(time.time())
        id_token.update(
            iss=oauth2_settings.OIDC_ISS_ENDPOINT,
            sub=str(request.user.subject),
            iat=now,
            exp=now + oauth2_settings.ID_TOKEN_EXPIRE_SECONDS,
            auth_time=int(authorization.auth_time.timestamp()),
        )
        if authorization.acr:
            id_token["acr"] = authorization.acr
        if authorization.amr:
            id_token["amr"] = list(authorization.amr)
        if authorization.sid:
            id_token["sid"] = authorization.sid
        scope_claims = claims_for_scopes(
            selectors.user_claims(user=request.user, scopes=request.scopes), request.scopes
        )
        claims_add(id_token, scope_claims)
        claims_add(id_token, policy_claims(user=request.user, client_id=request.client.client_id))
        return keys.jwt_sign(claims=id_token, algorithm=request.client.algorithm)

    def get_userinfo_claims(self, request: Request) -> dict:
        claims = claims_for_scopes(
            selectors.user_claims(user=request.user, scopes=request.scopes), request.scopes
        )
        return claims_add(
            claims, policy_claims(user=request.user, client_id=request.client.client_id)
        )

    # --- Silent authentication: the authorize view decides (OIDC Core 3.1.2.1) ------------
    # oauthlib cannot see the browser session. Keyway's authorize view applies prompt,
    # max_age and id_token_hint itself (protocol.prompt) before a code is issued.
    def validate_silent_login(self, request: Request) -> bool:
        return True

    def validate_silent_authorization(self, request: Request) -> bool:
        return True

    def validate_user_match(
        self, id_token_hint: str, scopes: list[str], claims: dict, request: Request
    ) -> bool:
        return True

    # --- Introspection: RFC 7662 ----------------------------------------------------------
    def introspect_token(
        self, token: str, token_type_hint: str | None, request: Request, *args: Any, **kwargs: Any
    ) -> dict | None:
        return selectors.token_introspect(
            token=token, token_type_hint=token_type_hint, client=request.client
        )

    def rotate_refresh_token(self, request: Request) -> bool:
        return True
