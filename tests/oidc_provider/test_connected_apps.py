"""Connected apps: a person sees the apps they let in and can remove one, which revokes
its tokens and forgets the consent."""

import pytest

from apps.oidc_provider.models import Consent
from tests.oidc_provider.conftest import Flow, token_post

pytestmark = pytest.mark.django_db


def test_connected_apps_lists_consented_apps_with_their_scopes(flow):
    flow.get_code()
    page = flow.browser.get("/account/apps/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Example RP" in body
    assert "See your email address" in body


def test_removing_an_app_revokes_its_tokens_and_consent(flow, user):
    tokens = flow.exchange(flow.get_code()).json()
    response = flow.browser.post("/account/apps/remove", {"client_id": flow.rp.client_id})
    assert response.status_code == 302
    assert not Consent.objects.filter(user=user).exists()
    userinfo = flow.browser.get(
        "/oauth/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )
    assert userinfo.status_code == 401
    refresh = token_post(
        flow.browser,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **flow.rp.basic_auth(),
    )
    assert refresh.json()["error"] == "invalid_grant"
    assert flow.authorize().status_code == 200  # consent is asked again


def test_removing_leaves_other_peoples_tokens_alone(flow, make_user, rp):
    from django.test import Client

    from tests.conftest import PASSWORD

    other_browser = Client()
    bob = make_user(email="bob@example.com")
    other_browser.post("/signin/", {"email": bob.email, "password": PASSWORD})
    other = Flow(other_browser, rp)
    bob_tokens = other.exchange(other.get_code()).json()
    flow.get_code()
    flow.browser.post("/account/apps/remove", {"client_id": rp.client_id})
    response = other_browser.get(
        "/oauth/userinfo", HTTP_AUTHORIZATION=f"Bearer {bob_tokens['access_token']}"
    )
    assert response.status_code == 200


def test_removing_an_unknown_app_is_a_message_not_an_error(signed_in):
    response = signed_in.post("/account/apps/remove", {"client_id": "nope"}, follow=True)
    assert response.status_code == 200
    assert b"not connected" in response.content


def test_connected_apps_needs_sign_in_and_csrf(client, user, rp):
    assert client.get("/account/apps/").status_code == 302
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/account/apps/remove", {"client_id": rp.client_id}).status_code == 403
