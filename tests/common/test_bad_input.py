"""Hostile or broken requests get a clear 4xx, never a 500, and change nothing."""

import pytest

from apps.accounts.models import User
from apps.audit.models import Event
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _post(client, body: bytes, content_type="application/x-www-form-urlencoded"):
    return client.generic("POST", "/signin/", body, content_type=content_type)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"email=alice%40example.com",
        b"password=x",
        b"email=%FF%FE%FD&password=%C3%28",
        b"email=alice%40example.com&password=%00null",
        b"email=al%00ice%40example.com&password=x",
        b"&&&===&&",
        b"email=" + b"a" * 300 + b"%40example.com&password=x",
        b"email=alice%40example.com&password=" + b"p" * 5000,
        b"email=not-an-email&password=x",
        b"email[]=a&email[]=b&password=x",
    ],
)
def test_malformed_sign_in_posts_get_400_with_a_message(client, user, body):
    response = _post(client, body)
    assert response.status_code == 400
    assert b'role="alert"' in response.content or b'class="field-error"' in response.content
    assert "_auth_user_id" not in client.session


def test_raw_invalid_utf8_body_is_a_400_not_a_500(client, user):
    assert _post(client, b"email=\xff\xfe@example.com&password=\xc3\x28").status_code == 400


def test_json_body_on_a_form_endpoint_is_a_400(client, user):
    body = b'{"email": "alice@example.com", "password": "x"}'
    assert _post(client, body, content_type="application/json").status_code == 400


def test_oversized_body_is_refused_before_parsing(client, user):
    response = _post(client, b"email=a%40b.c&password=" + b"x" * 300_000)
    assert response.status_code == 400
    assert b"Bad request" in response.content


def test_too_many_fields_is_refused(client, user):
    body = b"&".join(b"f%d=1" % i for i in range(500))
    assert _post(client, body).status_code == 400


def test_multipart_garbage_is_refused(client, user):
    response = _post(client, b"--xx\r\ngarbage", content_type="multipart/form-data; boundary=xx")
    assert response.status_code == 400


def test_bad_input_writes_nothing(client, user):
    users, events = User.objects.count(), Event.objects.count()
    _post(client, b"email=%00&password=%00")
    _post(client, b"\xff" * 100)
    assert User.objects.count() == users
    assert Event.objects.count() == events


def test_bad_host_header_is_a_400(client):
    assert client.get("/signin/", HTTP_HOST="evil.example").status_code == 400


@pytest.mark.parametrize("path", ["/%ff%fe/", "/signin/%00", "/signout/%c0%af"])
def test_odd_paths_are_4xx(client, path):
    assert 400 <= client.get(path).status_code < 500


def test_unsupported_method_is_405(client):
    assert client.put("/signin/").status_code == 405


def test_long_next_parameter_is_ignored_not_an_error(client, user):
    response = client.post(
        "/signin/", {"email": "alice@example.com", "password": PASSWORD, "next": "/" + "a" * 5000}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
