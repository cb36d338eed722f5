from django.contrib import admin
from django.urls import include, path

from apps.common.views import errors

urlpatterns = [
    path("", include("apps.common.urls")),
    path("", include("apps.accounts.urls")),
    path("", include("apps.oidc_provider.urls")),
    path("", include("apps.sso_sessions.urls")),
    path("", include("apps.saml_idp.urls")),
    path("", include("apps.federation.urls")),
    path("", include("apps.policies.urls")),
    path("", include("apps.api.urls")),
    path("admin/", admin.site.urls),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
