import pytest

from apps.audit.models import Event
from tests.conftest import PASSWORD
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db


def test_get_asks_for_confirmation_and_does_not_sign_out(client, user):
    sign_in(client, "alice@example.com", PASSWORD)
    response = client.get("/signout/")
    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert client.get("/").status_code == 200


def test_post_signs_out_and_forgets_the_session(client, user):
    sign_in(client, "alice@example.com", PASSWORD)
    old_session = client.cookies["keyway_session"].value
    response = client.post("/signout/")
    assert response.status_code == 200
    assert b"You are signed out" in response.content
    assert client.get("/").status_code == 302
    from django.contrib.sessions.backends.cached_db import SessionStore

    assert not SessionStore().exists(old_session)
    assert Event.objects.filter(type="signout", actor_subject=user.subject).exists()


def test_sign_out_requires_a_csrf_token(user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/signout/").status_code == 403
    assert strict.get("/").status_code == 200


def test_signing_out_when_signed_out_is_harmless(client):
    assert client.post("/signout/").status_code == 200
    assert client.get("/signout/").status_code == 200
