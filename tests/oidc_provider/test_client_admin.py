import re

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse
from oauth2_provider.oauth2_validators import OAuth2Validator

from apps.audit.models import Event
from apps.oidc_provider.admin import ClientAdmin
from apps.oidc_provider.client_services import client_create
from apps.oidc_provider.models import Client

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/oidc_provider/client/"
REDIRECT = "https://rp.example.com/callback"


def add_form(**overrides):
    data = {
        "name": "Wiki",
        "client_type": "confidential",
        "redirect_uris": f"{REDIRECT}\r\nhttps://rp.example.com/other",
        "post_logout_redirect_uris": "",
        "grant_types": ["authorization_code", "refresh_token"],
        "allowed_scopes": ["openid", "profile"],
        "token_endpoint_auth_method": "",
        "algorithm": "RS256",
        "backchannel_logout_uri": "",
    }
    data.update(overrides)
    return data


def shown_secret(content: bytes) -> str:
    match = re.search(rb'id="client-secret-1"[^>]*value="([^"]+)"', content)
    assert match, "no secret on the page"
    return match.group(1).decode()


def new_client(**overrides):
    arguments = {"name": "Wiki", "client_type": "confidential", "redirect_uris": [REDIRECT]}
    arguments.update(overrides)
    return client_create(**arguments)


def test_clients_use_keyway_admin_not_dots():
    assert isinstance(admin.site._registry[Client], ClientAdmin)


def test_admin_add_shows_the_secret_once_and_never_again_on_the_change_page(admin_client):
    response = admin_client.post(f"{ADD_URL}add/", add_form())
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    client = Client.objects.get()
    secret = shown_secret(response.content)
    assert b"shown only this once" in response.content
    assert client.client_id.encode() in response.content
    assert identify_hasher(client.client_secret).algorithm == "keyway_client_secret"
    assert OAuth2Validator()._check_secret(secret, client.client_secret)
    assert client.redirect_uris == f"{REDIRECT} https://rp.example.com/other"
    assert client.token_endpoint_auth_method == "client_secret_basic"
    event = Event.objects.get(type="client.created")
    assert event.data["client_id"] == client.client_id
    assert event.actor_email == "admin@example.com"

    change = admin_client.get(f"{ADD_URL}{client.pk}/change/")
    assert change.status_code == 200
    assert secret.encode() not in change.content
    _, salt, digest = client.client_secret.split("$", 2)
    assert salt.encode() not in change.content
    assert digest.encode() not in change.content
    assert b"keyway_client_secret hash" in change.content
    # Nothing was left behind for a later page to show: messages, session, changelist.
    assert secret.encode() not in admin_client.get(ADD_URL).content
    assert all(secret not in str(value) for value in admin_client.session.values())
    assert secret not in str(dict(admin_client.cookies))


def test_admin_add_of_a_public_client_has_no_secret_page(admin_client):
    response = admin_client.post(
        f"{ADD_URL}add/",
        add_form(client_type="public", redirect_uris="http://127.0.0.1:5173/cb"),
    )
    assert response.status_code == 302
    client = Client.objects.get()
    assert client.token_endpoint_auth_method == "none"
    change = admin_client.get(f"{ADD_URL}{client.pk}/change/")
    assert b"public client has no secret" in change.content


def test_admin_change_form_uses_checkboxes_and_one_uri_per_line(admin_client):
    client, _ = new_client(redirect_uris=[REDIRECT, "https://rp.example.com/other"])
    page = admin_client.get(f"{ADD_URL}{client.pk}/change/")
    content = page.content.decode()
    assert 'type="checkbox" name="grant_types" value="authorization_code"' in content
    assert 'type="checkbox" name="allowed_scopes" value="groups"' in content
    assert f"{REDIRECT}\nhttps://rp.example.com/other</textarea>" in content
    assert 'name="client_secret"' not in content
    assert 'name="hash_client_secret"' not in content


def test_admin_edit_stores_uris_space_separated_and_is_audited(admin_client):
    client, _ = new_client()
    stored_secret = client.client_secret
    response = admin_client.post(
        f"{ADD_URL}{client.pk}/change/",
        add_form(
            name="Wiki 2",
            redirect_uris=f"{REDIRECT}\n\n  https://rp.example.com/new  \n",
            token_endpoint_auth_method="client_secret_post",
            is_active="on",
            backchannel_logout_session_required="on",
        ),
    )
    assert response.status_code == 302, response.content
    client.refresh_from_db()
    assert client.name == "Wiki 2"
    assert client.redirect_uris == f"{REDIRECT} https://rp.example.com/new"
    assert client.token_endpoint_auth_method == "client_secret_post"
    assert client.client_secret == stored_secret
    event = Event.objects.get(type="client.updated")
    assert "redirect_uris" in event.data["fields"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"redirect_uris": "http://rp.example.com/cb"}, b"must use https"),
        ({"redirect_uris": "https://rp.example.com/cb#top"}, b"must not contain a fragment"),
        ({"redirect_uris": "https://rp.example.com/a b"}, b"a URI cannot contain spaces"),
        ({"redirect_uris": ""}, b"needs at least one redirect URI"),
        ({"grant_types": ["implicit"]}, b"Select a valid choice"),
        ({"grant_types": []}, b"This field is required"),
        ({"allowed_scopes": ["admin"]}, b"Select a valid choice"),
        ({"token_endpoint_auth_method": "none"}, b"Confidential clients must authenticate"),
        ({"backchannel_logout_uri": "https://rp.example.com/bc#x"}, b"fragment"),
        ({"name": "  "}, b"A client needs a name"),
        (
            {"client_type": "public", "grant_types": ["client_credentials"]},
            b"Public clients cannot use client_credentials",
        ),
        (
            {"client_type": "public", "token_endpoint_auth_method": "client_secret_basic"},
            b"Public clients have no secret",
        ),
    ],
)
def test_admin_validation_errors_render_as_a_200_form_with_messages(
    admin_client, overrides, message
):
    response = admin_client.post(f"{ADD_URL}add/", add_form(**overrides))
    assert response.status_code == 200
    assert b"errornote" in response.content
    assert message in response.content
    assert not Client.objects.exists()
    assert not Event.objects.exists()


def test_admin_change_validation_errors_render_as_a_200_form(admin_client):
    client, _ = new_client()
    response = admin_client.post(
        f"{ADD_URL}{client.pk}/change/",
        add_form(redirect_uris="http://rp.example.com/cb", is_active="on"),
    )
    assert response.status_code == 200
    assert b"must use https" in response.content
    client.refresh_from_db()
    assert client.redirect_uris == REDIRECT


def test_admin_rotate_action_confirms_then_shows_the_new_secret_once(admin_client):
    client, old = new_client()
    public, _ = new_client(name="SPA", client_type="public")
    selection = {"action": "rotate_secret", ACTION_CHECKBOX_NAME: [client.pk, public.pk]}

    confirm = admin_client.post(ADD_URL, selection)
    assert confirm.status_code == 200
    assert b"stops working immediately" in confirm.content
    client.refresh_from_db()
    assert OAuth2Validator()._check_secret(old, client.client_secret)  # not yet rotated

    response = admin_client.post(ADD_URL, {**selection, "post": "yes"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new = shown_secret(response.content)
    assert b"Skipped 1 public client" in response.content
    client.refresh_from_db()
    assert OAuth2Validator()._check_secret(new, client.client_secret)
    assert not OAuth2Validator()._check_secret(old, client.client_secret)
    event = Event.objects.get(type="client.secret_rotated")
    assert event.data == {"client_id": client.client_id}
    assert event.actor_email == "admin@example.com"
    assert new.encode() not in admin_client.get(f"{ADD_URL}{client.pk}/change/").content


def test_admin_rotate_action_on_public_clients_only_rotates_nothing(admin_client):
    public, _ = new_client(name="SPA", client_type="public")
    response = admin_client.post(
        ADD_URL, {"action": "rotate_secret", ACTION_CHECKBOX_NAME: [public.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not Event.objects.filter(type="client.secret_rotated").exists()


def test_admin_deactivate_action(admin_client):
    client, _ = new_client()
    response = admin_client.post(
        ADD_URL, {"action": "deactivate", ACTION_CHECKBOX_NAME: [client.pk]}
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert not client.is_active
    assert Event.objects.filter(type="client.deactivated").count() == 1


def test_admin_list_and_search(admin_client):
    client, _ = new_client(skip_consent=True)
    new_client(name="Other", redirect_uris=["https://other.example.com/cb"])
    page = admin_client.get(ADD_URL, {"q": "rp.example.com"})
    assert page.status_code == 200
    content = page.content.decode()
    assert client.client_id in content
    assert "authorization_code, refresh_token" in content
    assert "Other" not in content
    assert admin_client.get(ADD_URL, {"q": client.client_id}).content.count(b"Wiki") >= 1
    assert admin_client.get(ADD_URL, {"client_type__exact": "public"}).status_code == 200


def test_client_type_cannot_change_after_creation(admin_client):
    client, _ = new_client(client_type="public")
    response = admin_client.post(
        f"{ADD_URL}{client.pk}/change/",
        add_form(
            client_type="confidential",
            redirect_uris=REDIRECT,
            is_active="on",
            token_endpoint_auth_method="none",
        ),
    )
    assert response.status_code == 302, response.content
    client.refresh_from_db()
    assert client.client_type == "public"


def test_admin_add_page_preselects_the_defaults(admin_client):
    page = admin_client.get(reverse("admin:oidc_provider_client_add"))
    assert page.status_code == 200
    checked = re.findall(
        r'<input type="checkbox" name="(\w+)" value="(\w+)"[^>]* checked', page.content.decode()
    )
    assert set(checked) == {
        ("grant_types", "authorization_code"),
        ("grant_types", "refresh_token"),
        ("allowed_scopes", "openid"),
        ("allowed_scopes", "profile"),
        ("allowed_scopes", "email"),
    }
