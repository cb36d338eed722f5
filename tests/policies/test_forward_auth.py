"""Forward-auth as nginx ``auth_request`` and Traefik ForwardAuth call it, over the
imported synthetic SiteMinder export."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from apps.audit.models import Event
from apps.policies.services import ALLOWED_COUNTER_KEY
from tests.conftest import PASSWORD
from tests.oidc_provider.conftest import Flow
from tests.siteminder_import.scenario import EXPORT_XML  # noqa: F401  (documents the data)

pytestmark = pytest.mark.django_db

URL = "/policies/forward-auth"
BROWSER = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"


# How each gateway passes the original request (URI and method headers).
TRAEFIK = ("HTTP_X_FORWARDED_URI", "HTTP_X_FORWARDED_METHOD")  # ForwardAuth
NGINX = ("HTTP_X_ORIGINAL_URI", "HTTP_X_ORIGINAL_METHOD")  # auth_request, usual config


def ask(style, client: Client, uri: str, method="GET", host="intranet.example.com", **extra):
    uri_header, method_header = style
    headers = {"HTTP_X_FORWARDED_HOST": host, uri_header: uri, method_header: method}
    if style is TRAEFIK:
        headers["HTTP_X_FORWARDED_PROTO"] = "https"
    return client.get(URL, **headers, **extra)


def traefik(*args, **kwargs):
    return ask(TRAEFIK, *args, **kwargs)


def nginx(*args, **kwargs):
    return ask(NGINX, *args, **kwargs)


def browser_of(email: str) -> Client:
    client = Client()
    response = client.post("/signin/", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("gateway", [traefik, nginx])
def test_an_allowed_person_gets_200_with_the_header_variables(people, gateway) -> None:
    response = gateway(browser_of("alice@example.com"), "/index.html?q=1")
    assert response.status_code == 200
    assert response["SM_USER"] == "alice@example.com"
    assert response["HTTP_DEPT"] == "Engineering"
    assert response["X-Forwarded-User"] == "alice@example.com"
    assert response["X-Keyway-Decision"] == "allow"
    assert response.content == b""


@pytest.mark.parametrize("gateway", [traefik, nginx])
def test_nobody_signed_in_gets_401(people, gateway) -> None:
    response = gateway(Client(), "/index.html")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="keyway"'
    assert "Location" not in response  # not a browser: an API client or nginx's subrequest


def test_a_browser_gets_a_location_to_sign_in_and_back(people) -> None:
    response = traefik(Client(), "/index.html?a=b", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 401
    location = urlsplit(response["Location"])
    assert location.path == "/signin/"
    back = parse_qs(location.query)["next"][0]
    assert back == "/policies/return?url=https%3A%2F%2Fintranet.example.com%2Findex.html%3Fa%3Db"
    browser = Client()
    signed_in = browser.post(
        "/signin/", {"email": "alice@example.com", "password": PASSWORD, "next": back}
    )
    assert signed_in["Location"] == back
    returned = browser.get(back)
    assert returned.status_code == 302
    assert returned["Location"] == "https://intranet.example.com/index.html?a=b"


@pytest.mark.parametrize(
    "url", ["https://evil.example.com/", "javascript:alert(1)", "//intranet.example.com/x", ""]
)
def test_the_way_back_goes_only_to_protected_applications(people, url) -> None:
    assert Client().get("/policies/return", {"url": url}).status_code == 400


def test_a_denied_person_gets_403_and_an_audit_event(people) -> None:
    response = traefik(browser_of("nobody@example.com"), "/index.html")
    assert response.status_code == 403
    assert response["X-Keyway-Decision"] == "deny"
    assert "SM_USER" not in response
    event = Event.objects.get(type="policies.access_denied")
    assert event.actor_email == "nobody@example.com"
    assert event.data["host"] == "intranet.example.com"
    assert event.data["path"] == "/index.html"
    assert "no policy" in event.data["reasons"][0]


def test_allows_are_counted_not_audited(people) -> None:
    browser = browser_of("alice@example.com")
    for _ in range(3):
        assert traefik(browser, "/index.html").status_code == 200
    assert cache.get(ALLOWED_COUNTER_KEY) == 3
    assert not Event.objects.filter(type="policies.access_denied").exists()


@pytest.mark.parametrize("gateway", [traefik, nginx])
def test_the_original_path_decides(people, gateway) -> None:
    alice = browser_of("alice@example.com")
    assert gateway(alice, "/index.html").status_code == 200
    assert gateway(alice, "/secret/plans").status_code == 403
    assert gateway(Client(), "/public/about").status_code == 200


def test_the_original_method_decides(people) -> None:
    assert traefik(browser_of("walt@example.com"), "/form", "POST").status_code == 200
    assert traefik(browser_of("alice@example.com"), "/form", "POST").status_code == 403
    assert nginx(browser_of("walt@example.com"), "/form", "POST").status_code == 200
    assert nginx(browser_of("alice@example.com"), "/form", "POST").status_code == 403


def test_unprotected_resources_pass_without_identity(people) -> None:
    response = traefik(Client(), "/public/about")
    assert response.status_code == 200
    assert "SM_USER" not in response
    assert traefik(Client(), "/", host="unknown.example.com").status_code == 200


@pytest.mark.parametrize(
    "uri", ["/public/../secret/x", "/public/%2e%2e/secret/x", "//secret/x", "/./secret/x"]
)
def test_dot_segments_and_encodings_cannot_slip_past_a_deny_rule(people, uri) -> None:
    assert traefik(browser_of("alice@example.com"), uri).status_code == 403


def test_a_level_keyway_cannot_reach_is_refused_not_looped(people) -> None:
    response = traefik(browser_of("root@example.com"), "/admin/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    event = Event.objects.get(type="policies.access_denied")
    assert "unmet authentication requirements" in event.data["reasons"][0]


def test_a_bearer_token_identifies_the_caller(people, make_client) -> None:
    flow = Flow(browser_of("alice@example.com"), make_client(skip_consent=True))
    token = flow.exchange(flow.get_code()).json()["access_token"]
    api = Client()
    response = traefik(api, "/index.html", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response["SM_USER"] == "alice@example.com"
    forged = traefik(api, "/index.html", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert forged.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no X-Forwarded-Host
        {"HTTP_X_FORWARDED_HOST": "bad host!", "HTTP_X_FORWARDED_URI": "/"},
        {"HTTP_X_FORWARDED_HOST": "a.example.com", "HTTP_X_FORWARDED_URI": "relative"},
        {"HTTP_X_FORWARDED_HOST": "a.example.com", "HTTP_X_FORWARDED_URI": "/a%0d%0aX: y"},
        {"HTTP_X_FORWARDED_HOST": "a.example.com", "HTTP_X_FORWARDED_URI": "/%ff"},
        {"HTTP_X_FORWARDED_HOST": "a.example.com", "HTTP_X_FORWARDED_METHOD": "G E T"},
        {"HTTP_X_FORWARDED_HOST": "a.example.com", "HTTP_X_FORWARDED_PROTO": "gopher"},
    ],
)
def test_malformed_forwarded_headers_get_400(people, headers) -> None:
    assert Client().get(URL, **headers).status_code == 400
