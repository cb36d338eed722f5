import pytest

from tests.conftest import PASSWORD
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target", ["/admin/", "/?tab=sessions", "http://testserver/admin/"])
def test_next_on_this_host_is_followed(client, user, target):
    response = sign_in(client, "alice@example.com", PASSWORD, next_url=target)
    assert response["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://testserver@evil.example/",
        " //evil.example",
        "\t//evil.example",
        "http://evil.example\\@testserver/",
    ],
)
def test_next_off_this_host_is_replaced_by_home(client, user, target):
    response = sign_in(client, "alice@example.com", PASSWORD, next_url=target)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_unsafe_next_is_not_even_put_into_the_form(client):
    response = client.get("/signin/?next=https://evil.example/")
    assert b"evil.example" not in response.content


def test_https_page_does_not_downgrade_to_http(client, user):
    response = sign_in(
        client, "alice@example.com", PASSWORD, next_url="http://testserver/admin/", secure=True
    )
    assert response["Location"] == "/"
