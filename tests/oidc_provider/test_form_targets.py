"""CSP form-action names a relying party's origin only for its registered redirect URI."""

from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.django_db


def _form_action(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(p for p in policy.split(";") if p.strip().startswith("form-action")).strip()


def _next(client_id, redirect_uri):
    return "/oauth/authorize?" + urlencode({"client_id": client_id, "redirect_uri": redirect_uri})


def test_sign_in_page_allows_the_registered_clients_origin(client, rp):
    page = client.get("/signin/", {"next": _next(rp.client_id, "https://rp.example.com/callback")})
    assert _form_action(page) == "form-action 'self' https://rp.example.com"


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example/callback", "https://rp.example.com/other", "javascript:x"],
)
def test_a_crafted_next_widens_nothing(client, rp, redirect_uri):
    page = client.get("/signin/", {"next": _next(rp.client_id, redirect_uri)})
    assert _form_action(page) == "form-action 'self'"


def test_unknown_or_inactive_client_widens_nothing(client, rp):
    assert (
        _form_action(client.get("/signin/", {"next": _next("nope", "https://a.b/c")}))
        == "form-action 'self'"
    )
    rp.client.is_active = False
    rp.client.save()
    page = client.get("/signin/", {"next": _next(rp.client_id, "https://rp.example.com/callback")})
    assert _form_action(page) == "form-action 'self'"


def test_consent_page_allows_the_clients_origin(flow):
    assert _form_action(flow.authorize()) == "form-action 'self' https://rp.example.com"


def test_ordinary_pages_keep_self_only(client):
    assert _form_action(client.get("/signin/")) == "form-action 'self'"
