"""Who is calling: a client with a client-credentials access token, or an administrator's
browser session (with CSRF).

End-user tokens (authorization code, refresh) never authenticate here, whatever their
scopes: the API acts for the organisation, not for a person who happened to consent to
an admin scope. A token's scopes count only while its client is still registered for them
(``oidc_provider.selectors.bearer_grant``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from apps.oidc_provider.selectors import BearerGrant, bearer_grant


@dataclass(frozen=True)
class ApiClient:
    """The acting client, in place of a user (``request.user``)."""

    client_id: str
    is_authenticated = True
    is_active = True
    is_staff = False
    subject = None
    pk = None

    @property
    def email(self) -> str:
        # What audit events record as "by"/actor_email for this caller.
        return f"client:{self.client_id}"


def principal_key(request: Request) -> str:
    """A stable name of the caller: scopes idempotency keys and rate limits."""
    user = request.user
    if isinstance(user, ApiClient):
        return f"client:{user.client_id}"
    return f"user:{user.subject}"


class ClientCredentialsAuthentication(BaseAuthentication):
    """RFC 6750 bearer tokens from Keyway's own token endpoint."""

    def authenticate(self, request: Request) -> tuple[ApiClient, BearerGrant] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        grant = bearer_grant(token=token.strip())
        if grant is None:
            raise AuthenticationFailed("The access token is not valid.")
        if grant.user_subject is not None:
            raise AuthenticationFailed(
                "The management API takes client-credentials tokens only, not a person's."
            )
        return ApiClient(client_id=grant.client_id), grant

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="keyway-api"'


class AdminSessionAuthentication(SessionAuthentication):
    """A signed-in, active staff member in the browser; writes need the CSRF token."""

    def authenticate(self, request: Request):
        user = getattr(request._request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
            return None
        self.enforce_csrf(request)
        return user, None
