from django.urls import path

from apps.federation.views import oidc_callback, saml_acs, saml_metadata, saml_slo, signout, start

app_name = "federation"

urlpatterns = [
    path("federation/<slug:slug>/start", start.start, name="start"),
    path("federation/saml/<slug:slug>/metadata", saml_metadata.saml_metadata, name="saml_metadata"),
    path("federation/saml/<slug:slug>/acs", saml_acs.saml_acs, name="saml_acs"),
    path("federation/saml/<slug:slug>/slo", saml_slo.saml_slo, name="saml_slo"),
    path("federation/oidc/<slug:slug>/callback", oidc_callback.oidc_callback, name="oidc_callback"),
    path("federation/signout/", signout.signout, name="signout"),
]
