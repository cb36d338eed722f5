"""OpenID Provider endpoints: one view module per endpoint (see views/)."""

from django.urls import path

from apps.oidc_provider.views import (
    authorize,
    connected_apps,
    discovery,
    end_session,
    global_token_revocation,
    introspect,
    jwks,
    revoke,
    token,
    userinfo,
)

app_name = "oidc"

urlpatterns = [
    path(
        ".well-known/openid-configuration",
        discovery.openid_configuration,
        name="openid-configuration",
    ),
    path(
        ".well-known/oauth-authorization-server",
        discovery.oauth_authorization_server,
        name="oauth-authorization-server",
    ),
    path("oauth/authorize", authorize.authorize, name="authorize"),
    path("oauth/authorize/decision", authorize.authorize_decision, name="authorize-decision"),
    path("oauth/logout", end_session.end_session, name="end-session"),
    path("oauth/logout/confirm", end_session.end_session_confirm, name="end-session-confirm"),
    path("oauth/token", token.token, name="token"),
    path("oauth/userinfo", userinfo.userinfo, name="userinfo"),
    path("oauth/revoke", revoke.revoke, name="revoke"),
    path("oauth/introspect", introspect.introspect, name="introspect"),
    path(
        "oauth/global-token-revocation",
        global_token_revocation.global_token_revocation,
        name="global-token-revocation",
    ),
    path("oauth/jwks", jwks.jwks, name="jwks"),
    path("account/apps/", connected_apps.connected_apps, name="connected-apps"),
    path("account/apps/remove", connected_apps.connected_app_remove, name="connected-app-remove"),
]
