"""Fixtures for driving the OpenID Provider through its HTTP endpoints."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client as HttpClient

from apps.oidc_provider.client_services import client_create
from apps.oidc_provider.models import Client
from tests.conftest import PASSWORD

REDIRECT_URI = "https://rp.example.com/callback"


@dataclass
class RegisteredClient:
    client: Client
    secret: str | None

    @property
    def client_id(self) -> str:
        return self.client.client_id

    def basic_auth(self) -> dict[str, str]:
        raw = f"{self.client_id}:{self.secret}".encode()
        return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}


def pkce_pair() -> tuple[str, str]:
    """RFC 7636 4.1/4.2: a verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
def make_client(db):
    def make(**overrides) -> RegisteredClient:
        options = dict(
            name="Example RP",
            client_type="confidential",
            redirect_uris=[REDIRECT_URI],
            scopes=["openid", "profile", "email", "groups", "offline_access"],
            grant_types=["authorization_code", "refresh_token"],
        )
        options.update(overrides)
        client, secret = client_create(**options)
        return RegisteredClient(client, secret)

    return make


@pytest.fixture
def rp(make_client) -> RegisteredClient:
    """A confidential, third-party relying party (consent required)."""
    return make_client()


@pytest.fixture
def first_party(make_client) -> RegisteredClient:
    return make_client(name="First party", skip_consent=True)


@dataclass
class Flow:
    """One run of the code flow with the Django test client as the browser."""

    browser: HttpClient
    rp: RegisteredClient
    verifier: str = ""
    state: str = ""
    nonce: str = ""

    def authorize_params(self, **overrides: str) -> dict[str, str]:
        self.verifier, challenge = pkce_pair()
        self.state, self.nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
        params = dict(
            response_type="code",
            client_id=self.rp.client_id,
            redirect_uri=REDIRECT_URI,
            scope="openid profile email",
            state=self.state,
            nonce=self.nonce,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, **overrides: str):
        return self.browser.get("/oauth/authorize?" + urlencode(self.authorize_params(**overrides)))

    def consent(self, page, decision: str = "allow"):
        action = page.content.decode().split('action="')[1].split('"')[0].replace("&amp;", "&")
        return self.browser.post(action, {"decision": decision})

    def code_from(self, response) -> str:
        assert response.status_code == 302, response.content[:500]
        query = parse_qs(urlsplit(response["Location"]).query)
        assert query["state"] == [self.state]
        return query["code"][0]

    def get_code(self, **overrides: str) -> str:
        response = self.authorize(**overrides)
        if response.status_code == 200:  # the consent page
            response = self.consent(response)
        return self.code_from(response)

    def exchange(self, code: str, verifier: str | None = None, **extra: str):
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier or self.verifier,
        }
        data.update(extra)
        auth = self.rp.basic_auth() if self.rp.secret else {}
        if not self.rp.secret:
            data["client_id"] = self.rp.client_id
        return token_post(self.browser, data, **auth)


def token_post(browser: HttpClient, data: dict, **extra):
    return browser.post(
        "/oauth/token", urlencode(data), content_type="application/x-www-form-urlencoded", **extra
    )


@pytest.fixture
def signed_in(client, user):
    client.post("/signin/", {"email": user.email, "password": PASSWORD})
    return client


@pytest.fixture
def flow(signed_in, rp) -> Flow:
    return Flow(signed_in, rp)
