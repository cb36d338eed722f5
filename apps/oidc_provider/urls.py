"""OpenID Provider endpoints: one view module per endpoint (see views/)."""

from django.urls import path

from apps.oidc_provider.views import (
    authorize,
    connected_apps,
    discovery,
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
    path("oauth/token", token.token, name="token"),
    path("oauth/userinfo", userinfo.userinfo, name="userinfo"),
    path("oauth/revoke", revoke.revoke, name="revoke"),
    path("oauth/introspect", introspect.introspect, name="introspect"),
    path("oauth/jwks", jwks.jwks, name="jwks"),
    path("account/apps/", connected_apps.connected_apps, name="connected-apps"),
    path("account/apps/remove", connected_apps.connected_app_remove, name="connected-app-remove"),
]
