"""Cut-over from the legacy Node.js auth service, the relying-party half.

A relying party the legacy service knew is imported with ``manage.py import_clients``,
keeping its OLD client_id and secret (as the legacy service's bcryptjs hash, or in
plaintext), and completes the whole OpenID Connect flow with panva's openid-client with
nothing changed but the issuer URL. Re-running the import afterwards changes nothing.

The harness (live server, RP steps, the person signing in) is test_openid_client's.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.management import call_command

from apps.oidc_provider.models import Client
from tests.interop import test_openid_client as harness
from tests.interop.test_openid_client import (
    OFFLINE,
    REDIRECT_URI,
    _pretty,
    audiences,
    code_flow,
    ok,
    signature_checked,
)

# The harness's fixtures: the live server as issuer, and one openid-client step per call.
issuer = harness.issuer
rp = harness.rp

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]

# What the legacy service had for its relying parties (its secrets are the RPs' own).
WIKI_SECRET = "wiki-secret-issued-by-the-legacy-service-in-2019"
CRM_SECRET = "crm-secret-issued-by-the-legacy-service-in-2021-0123456789"


def legacy_export(node_peer) -> list[dict]:
    """The legacy service's clients: the wiki's secret as bcryptjs stored it (cost 10)."""
    wiki_hash = node_peer("bcrypt_hash.mjs", "hash", "bcryptjs", "10", stdin=WIKI_SECRET)
    assert wiki_hash.startswith("$2b$10$")
    common = {
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "scope": "openid profile email offline_access",
    }
    return [
        {
            "client_id": "legacy-wiki-7f3a",
            "client_name": "Wiki",
            "client_secret_hash": wiki_hash,
            **common,
        },
        {
            "client_id": "legacy-crm-19bd",
            "client_name": "CRM",
            "client_secret": CRM_SECRET,
            "token_endpoint_auth_method": "client_secret_post",
            **common,
        },
    ]


def import_clients(path, tmp_path) -> dict:
    report = tmp_path / "report.json"
    call_command("import_clients", str(path), "--report", str(report), stdout=StringIO())
    return json.loads(report.read_text())


@pytest.mark.parametrize(
    ("client_id", "secret", "method"),
    [
        ("legacy-wiki-7f3a", WIKI_SECRET, "client_secret_basic"),
        ("legacy-crm-19bd", CRM_SECRET, "client_secret_post"),
    ],
    ids=["bcryptjs-hash", "plaintext"],
)
def test_imported_legacy_rp_completes_the_flow_with_its_old_credentials(
    rp, issuer, node_peer, user, tmp_path, client_id, secret, method
):
    path = tmp_path / "legacy-clients.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in legacy_export(node_peer)))
    first = import_clients(path, tmp_path)
    assert first["summary"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}

    # The RP's configuration before the cut-over, with only the issuer changed.
    config = {
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uri": REDIRECT_URI,
        "token_endpoint_auth_method": method,
    }
    result = code_flow(rp, config, user, **OFFLINE)

    claims = result["claims"]
    assert signature_checked(result), _pretty(result)
    assert claims["iss"] == issuer
    assert client_id in audiences(claims)
    assert claims["sub"] == str(user.subject)
    assert "userinfo_error" not in result, _pretty(result)
    # The first authentication left a fast hash behind (bcrypt is ~75 ms per request).
    stored = Client.objects.get(client_id=client_id).client_secret
    assert identify_hasher(stored).algorithm == "keyway_client_secret"

    # A second token request (refresh) authenticates with the same old secret.
    refreshed = ok(
        rp("refresh", config, refresh_token=result["tokens"]["refresh_token"]), "refresh"
    )
    assert refreshed["tokens"]["access_token"]

    # Re-running the import changes nothing, the upgraded hash included.
    again = import_clients(path, tmp_path)
    assert again["summary"] == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert Client.objects.get(client_id=client_id).client_secret == stored
    ok(rp("refresh", config, refresh_token=refreshed["tokens"]["refresh_token"]), "refresh")
