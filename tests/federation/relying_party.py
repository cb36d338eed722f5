"""A relying party of Keyway for the end-to-end federation tests: the application a
person reaches after signing in upstream, asking for the mapped claims and groups."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet

from apps.oidc_provider.client_services import client_create
from tests.oidc_provider.conftest import REDIRECT_URI, Flow, RegisteredClient

SCOPE = "openid profile email groups"


def relying_party_create(*, backchannel_logout_uri: str = "") -> RegisteredClient:
    client, secret = client_create(
        name="Wiki",
        client_type="confidential",
        redirect_uris=[REDIRECT_URI],
        scopes=SCOPE.split(),
        grant_types=["authorization_code"],
        skip_consent=True,
        backchannel_logout_uri=backchannel_logout_uri,
    )
    return RegisteredClient(client, secret)


def provider_link(page: str, slug: str) -> str:
    """The sign-in page's link to the upstream provider ``slug``, as a person clicks it."""
    marker = f'href="/federation/{slug}/start'
    start = page.index(marker) + len('href="')
    return page[start : page.index('"', start)].replace("&amp;", "&")


def id_token_claims(flow: Flow, resumed_authorize_url: str) -> dict:
    """Finish the relying party's code flow and return its verified ID token's claims."""
    code = flow.code_from(flow.browser.get(resumed_authorize_url))
    id_token = flow.exchange(code).json()["id_token"]
    keys = KeySet.import_key_set(flow.browser.get("/oauth/jwks").json())
    return jwt.decode(id_token, keys).claims
