"""The sign-in page lists the upstream providers and routes federated email domains to
theirs (home-realm discovery); password sign-in is unchanged for everyone else."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_page_lists_enabled_providers_with_the_pending_next(client, saml_source):
    page = client.get("/signin/?next=/account/sessions/")
    body = page.content.decode()
    assert "Corp" in body
    assert 'href="/federation/corp/start?next=%2Faccount%2Fsessions%2F"' in body
    # A form submitted here may be redirected to the IdP (CSP form-action covers redirects).
    assert "https://idp.corp.example" in page["Content-Security-Policy"]


def test_a_federated_email_goes_to_its_provider_without_a_password(client, saml_source):
    response = client.post("/signin/", {"email": "Alice@CORP.example", "next": "/x/"})
    assert response.status_code == 302
    assert response["Location"] == "/federation/corp/start?next=%2Fx%2F"
    assert client.get(response["Location"])["Location"].startswith(
        "https://idp.corp.example/sso/redirect?SAMLRequest="
    )


def test_other_emails_still_need_their_password(client, saml_source, user):
    response = client.post("/signin/", {"email": user.email})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post("/signin/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["keyway_auth"]["amr"] == ["pwd"]


def test_without_providers_the_page_shows_no_provider_section(client):
    assert "Or sign in with your organisation" not in client.get("/signin/").content.decode()
