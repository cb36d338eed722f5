from django.urls import path

from apps.saml_idp.views import metadata, slo, sso

app_name = "saml_idp"

urlpatterns = [
    path("saml/metadata", metadata.metadata, name="metadata"),
    path("saml/sso", sso.single_sign_on, name="sso"),
    path("saml/sso/continue", sso.sso_continue, name="sso-continue"),
    path("saml/idp-initiated", sso.idp_initiated, name="idp-initiated"),
    path("saml/slo", slo.single_logout, name="slo"),
]
