"""The management API: /api/v1/..., its schema at /api/schema and docs at /api/docs."""

from django.urls import path, re_path

from apps.api.views import (
    audit,
    clients,
    docs,
    federation,
    imports,
    not_found,
    policies,
    saml,
    sessions,
    users,
)

app_name = "api"

V1 = "api/v1/"
SUBJECT = "users/<uuid:subject>"

urlpatterns = [
    path("api/schema", docs.SchemaView.as_view(), name="schema"),
    path("api/docs", docs.docs, name="docs"),
    path(V1 + "users", users.UserList.as_view(), name="users"),
    path(V1 + SUBJECT, users.UserDetail.as_view(), name="user"),
    path(V1 + SUBJECT + "/deactivate", users.UserDeactivate.as_view(), name="user-deactivate"),
    path(V1 + SUBJECT + "/activate", users.UserActivate.as_view(), name="user-activate"),
    path(V1 + SUBJECT + "/lock", users.UserLock.as_view(), name="user-lock"),
    path(V1 + SUBJECT + "/unlock", users.UserUnlock.as_view(), name="user-unlock"),
    path(V1 + SUBJECT + "/groups", users.UserGroups.as_view(), name="user-groups"),
    path(
        V1 + SUBJECT + "/universal-logout",
        users.UserUniversalLogout.as_view(),
        name="user-universal-logout",
    ),
    path(V1 + "clients", clients.ClientList.as_view(), name="clients"),
    re_path(
        r"^api/v1/clients/(?P<client_id>[!-.0-9;-~]+)/secret$",
        clients.ClientSecretRotate.as_view(),
        name="client-secret",
    ),
    re_path(
        r"^api/v1/clients/(?P<client_id>[!-.0-9;-~]+)$",
        clients.ClientDetail.as_view(),
        name="client",
    ),
    path(V1 + "saml/service-providers", saml.ServiceProviderList.as_view(), name="saml-sps"),
    path(
        V1 + "saml/service-providers/<int:pk>", saml.ServiceProviderDetail.as_view(), name="saml-sp"
    ),
    path(V1 + "identity-providers", federation.SourceList.as_view(), name="identity-providers"),
    path(
        V1 + "identity-providers/<slug:slug>",
        federation.SourceDetail.as_view(),
        name="identity-provider",
    ),
    path(V1 + "sessions", sessions.SessionList.as_view(), name="sessions"),
    re_path(
        r"^api/v1/sessions/(?P<sid>[A-Za-z0-9_-]{1,64})$",
        sessions.SessionDetail.as_view(),
        name="session",
    ),
    path(
        V1 + "policies/applications", policies.ApplicationList.as_view(), name="policy-applications"
    ),
    path(V1 + "policies/realms", policies.RealmList.as_view(), name="policy-realms"),
    path(V1 + "policies/rules", policies.RuleList.as_view(), name="policy-rules"),
    path(V1 + "policies/policies", policies.PolicyList.as_view(), name="policies"),
    path(V1 + "siteminder-imports", imports.ImportList.as_view(), name="imports"),
    path(V1 + "siteminder-imports/<uuid:job_id>", imports.ImportDetail.as_view(), name="import"),
    path(V1 + "audit-events", audit.EventList.as_view(), name="audit-events"),
    re_path(r"^api/(?!schema$|docs$)[\s\S]*$", not_found.NotFound.as_view(), name="not-found"),
]
