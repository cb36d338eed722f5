"""Inbound federation from a real upstream OpenID Provider that no one here wrote: panva's
oidc-provider (npm, pinned), started on a loopback port by the test (node/upstream_op.mjs).

The person starts at a relying party of Keyway, picks the upstream on Keyway's sign-in
page, signs in there (the provider's interaction is automatic for its one account), and
comes back: Keyway exchanges the code with PKCE, checks the ID token against the
provider's JWKS, reads UserInfo, provisions the account with mapped claims and groups, and
the relying party receives an ID token carrying them.

The browser is two cookie jars: Django's test client on Keyway and a requests session on
the provider; each redirect is handed to whichever one the URL belongs to.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.parse
from collections.abc import Iterator

import pytest
import requests
from django.core.cache import cache
from django.test import Client
from joserfc.jwk import KeySet, RSAKey

from apps.accounts.selectors import user_get_by_email, user_group_names
from apps.federation.models import LinkRule
from apps.federation.services import oidc_source_register
from tests.federation.relying_party import (
    SCOPE,
    id_token_claims,
    provider_link,
    relying_party_create,
)
from tests.interop.conftest import NODE_DIR, node_peers_ready
from tests.oidc_provider.conftest import Flow, RegisteredClient

pytestmark = [pytest.mark.interop, pytest.mark.django_db]

SLUG = "okta"
CLIENT_ID = "keyway-at-upstream"
CLIENT_SECRET = "upstream-client-secret-for-the-interop-test-0123456789"
ACCOUNT = {
    "sub": "00u-alice-upstream",
    "email": "alice@corp.example",
    "email_verified": True,
    "given_name": "Alice",
    "family_name": "Upstream",
    "name": "Alice Upstream",
    "groups": ["engineering", "admins"],
}


@pytest.fixture
def upstream() -> Iterator[str]:
    """oidc-provider on a random loopback port; yields its issuer URL."""
    if not node_peers_ready():
        if os.environ.get("KEYWAY_REQUIRE_INTEROP") == "1":
            pytest.fail("node or tests/interop/node/node_modules is missing (run `make test`)")
        pytest.skip("node peers not installed: run `make test` (npm ci in tests/interop/node)")
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": f"http://testserver/federation/oidc/{SLUG}/callback",
        "post_logout_redirect_uri": "http://testserver/signout/",
        "account": ACCOUNT,
        "acr": "urn:corp:acr:mfa",
        "amr": ["pwd", "otp"],
    }
    process = subprocess.Popen(
        ["node", "upstream_op.mjs", json.dumps(config)],
        cwd=NODE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line:
            pytest.fail("upstream_op.mjs exited before listening")
        yield json.loads(line)["issuer"]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def source(upstream: str):
    source = oidc_source_register(
        name="Corp Okta",
        slug=SLUG,
        discovery_url=f"{upstream}/.well-known/openid-configuration",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains=["corp.example"],
        link_rule=LinkRule.VERIFIED_EMAIL,
        scopes="openid email profile groups",
    )
    source.acr_map = {"urn:corp:acr:mfa": "urn:keyway:acr:mfa"}
    source.save()
    return source


@pytest.fixture
def relying_party(db: None) -> RegisteredClient:
    return relying_party_create()


def _through_upstream(browser: Client, start: str) -> object:
    """Follow redirects from Keyway's start URL through the provider and back; returns
    Keyway's answer to the callback."""
    response = browser.get(start)
    assert response.status_code == 302, response.content.decode()[:2000]
    location = response["Location"]
    agent = requests.Session()
    for _ in range(10):
        if location.startswith("http://testserver/"):
            return browser.get(location.removeprefix("http://testserver"))
        answer = agent.get(location, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:2000])
        location = urllib.parse.urljoin(location, answer.headers["Location"])
    raise AssertionError("no way back to Keyway from the upstream")


def test_a_person_signs_in_upstream_and_the_relying_party_gets_mapped_claims_and_groups(
    client: Client, source, relying_party: RegisteredClient
):
    flow = Flow(client, relying_party)
    authorize = flow.authorize(scope=SCOPE)
    assert authorize.status_code == 302
    assert "/signin/" in authorize["Location"]
    signin_page = client.get(authorize["Location"]).content.decode()
    assert "Corp Okta" in signin_page

    back = _through_upstream(client, provider_link(signin_page, SLUG))
    assert back.status_code == 302, back.content.decode()[:2000]
    assert back["Location"].startswith("/oauth/authorize?")  # the RP's request resumes

    claims = id_token_claims(flow, back["Location"])
    user = user_get_by_email(email="alice@corp.example")
    assert claims["sub"] == str(user.subject)
    assert claims["email"] == "alice@corp.example"
    assert claims["email_verified"] is True
    assert (claims["given_name"], claims["family_name"]) == ("Alice", "Upstream")
    assert sorted(claims["groups"]) == ["admins", "engineering"]
    assert claims["amr"] == ["fed", "pwd", "otp"]  # the upstream's methods after "fed"
    assert claims["acr"] == "urn:keyway:acr:mfa"  # the upstream's acr, mapped by the source
    assert user_group_names(user=user) == ["admins", "engineering"]


def test_home_realm_discovery_sends_a_corp_email_to_the_upstream(client: Client, source):
    page = client.post("/signin/", {"email": "alice@corp.example", "next": "/account/sessions/"})
    assert page.status_code == 302
    assert page["Location"].startswith(f"/federation/{SLUG}/start")
    back = _through_upstream(client, page["Location"])
    assert back.status_code == 302
    assert back["Location"] == "/account/sessions/"


def test_an_upstream_signing_key_rollover_is_followed(client: Client, source, upstream: str):
    """Keyway cached the provider's JWKS before it rotated to a new key (kid): the new
    kid makes Keyway fetch the JWKS again instead of refusing the sign-in."""
    metadata = requests.get(f"{upstream}/.well-known/openid-configuration", timeout=10).json()
    old = RSAKey.generate_key(2048, parameters={"kid": "upstream-key-1", "use": "sig"})
    cache.set(f"federation:oidc:jwks:{metadata['jwks_uri']}", KeySet([old]).as_dict(), 3600)

    back = _through_upstream(client, f"/federation/{SLUG}/start")
    assert back.status_code == 302, back.content.decode()[:2000]
    kids = [k["kid"] for k in cache.get(f"federation:oidc:jwks:{metadata['jwks_uri']}")["keys"]]
    assert kids == ["upstream-key-2"]


def test_a_callback_cannot_be_replayed(client: Client, source):
    response = client.get(f"/federation/{SLUG}/start")
    agent, location = requests.Session(), response["Location"]
    while not location.startswith("http://testserver/"):
        answer = agent.get(location, allow_redirects=False, timeout=10)
        location = urllib.parse.urljoin(location, answer.headers["Location"])
    callback = location.removeprefix("http://testserver")
    assert client.get(callback).status_code == 302
    replay = client.get(callback)
    assert replay.status_code == 400
    assert "Sign-in failed" in replay.content.decode()


def test_sign_out_also_signs_out_at_the_upstream(client: Client, source, upstream: str):
    _through_upstream(client, f"/federation/{SLUG}/start")
    response = client.post("/federation/signout/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{upstream}/session/end?")
    assert "id_token_hint=" in response["Location"]
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_verified_upstream_email_links_the_existing_local_account(
    client: Client, source, make_user
):
    """The source's rule is verified_email and oidc-provider says email_verified: the
    person's existing Keyway account (and its password) is the one signed in."""
    local = make_user(email="alice@corp.example")
    back = _through_upstream(client, f"/federation/{SLUG}/start")
    assert back.status_code == 302
    assert client.get("/").wsgi_request.user == local
    assert local.upstream_identities.get().subject == ACCOUNT["sub"]
