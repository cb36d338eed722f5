"""Registering upstream providers in the admin."""

from __future__ import annotations

import pytest

from apps.common.crypto import secret_decrypt
from apps.common.x509 import certificate_fingerprint
from apps.federation.models import Source

pytestmark = pytest.mark.django_db

ADD = "/admin/federation/source/add/"


def _form(**values: str) -> dict[str, str]:
    return {
        "name": "Corp",
        "slug": "corp",
        "enabled": "on",
        "domains": '["corp.example"]',
        "link_rule": "never",
        "attribute_map": "{}",
        "default_acr": "urn:keyway:acr:password",
        "acr_map": "{}",
        "scopes": "openid email profile",
        **values,
    }


def test_a_saml_idp_is_added_from_pasted_metadata(admin_client, saml_idp):
    response = admin_client.post(ADD, _form(kind="saml", metadata=saml_idp.metadata()))
    assert response.status_code == 302, response.content.decode()[:3000]
    source = Source.objects.get()
    assert source.idp_entity_id == "https://idp.corp.example/idp"
    assert source.sp_certificate.startswith("-----BEGIN CERTIFICATE-----")
    page = admin_client.get(f"/admin/federation/source/{source.pk}/change/").content.decode()
    assert "/federation/saml/corp/metadata" in page
    assert certificate_fingerprint(source.idp_certificates[0]) in page


def test_broken_metadata_is_a_form_error(admin_client):
    response = admin_client.post(ADD, _form(kind="saml", metadata="<x/>"))
    assert response.status_code == 200
    assert "Unusable metadata" in response.content.decode()
    assert not Source.objects.exists()


def test_an_oidc_provider_needs_a_secret_which_is_stored_encrypted(admin_client):
    values = _form(
        kind="oidc",
        discovery_url="https://op.example/.well-known/openid-configuration",
        client_id="kw",
    )
    response = admin_client.post(ADD, values)
    assert "needs a client secret" in response.content.decode()
    response = admin_client.post(ADD, {**values, "new_client_secret": "top-secret"})
    assert response.status_code == 302
    assert secret_decrypt(bytes(Source.objects.get().client_secret)) == b"top-secret"


def test_editing_keeps_the_secret_when_none_is_typed(admin_client):
    values = _form(
        kind="oidc",
        discovery_url="https://op.example/.well-known/openid-configuration",
        client_id="kw",
        new_client_secret="top-secret",
    )
    admin_client.post(ADD, values)
    source = Source.objects.get()
    url = f"/admin/federation/source/{source.pk}/change/"
    response = admin_client.post(url, {**values, "new_client_secret": "", "name": "Corp Okta"})
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.name == "Corp Okta"
    assert secret_decrypt(bytes(source.client_secret)) == b"top-secret"


def test_upstream_identities_are_listed_read_only(admin_client):
    assert admin_client.get("/admin/federation/upstreamidentity/").status_code == 200
    assert admin_client.get("/admin/federation/upstreamidentity/add/").status_code == 403
