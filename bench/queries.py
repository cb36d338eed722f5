"""SQL statements per request on the hot paths, in steady state (second call, warm caches).

Run by bench/run.py with the production settings and the bench database; prints JSON.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.oidc_provider.models import Client as RelyingParty

REDIRECT_URI = "http://127.0.0.1:9/callback"
PASSWORD = "correct horse battery staple"


def count(call) -> int:
    call()  # warm: key caches, connection, compiled snapshots
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def main() -> None:
    rp = RelyingParty.objects.get(client_id=os.environ["BENCH_CLIENT_ID"])
    secret = os.environ["BENCH_CLIENT_SECRET"]
    basic = "Basic " + base64.b64encode(f"{rp.client_id}:{secret}".encode()).decode()
    browser = Client(HTTP_HOST="127.0.0.1")
    page = browser.get("/signin/")
    csrf = page.cookies.get("__Host-csrftoken") or next(iter(page.cookies.values()))
    browser.post(
        "/signin/",
        {
            "email": "bench@example.com",
            "password": PASSWORD,
            "next": "/",
            "csrfmiddlewaretoken": csrf.value,
        },
    )
    api = Client(HTTP_HOST="127.0.0.1")
    form = "application/x-www-form-urlencoded"

    def post(path: str, data: dict, **headers: str):
        return api.post(path, urlencode(data), content_type=form, **headers)

    def token_cc():
        return post("/oauth/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic)

    def code_exchange():
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        location = browser.get(
            "/oauth/authorize",
            {
                "response_type": "code",
                "client_id": rp.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": "openid email",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )["Location"]
        code = parse_qs(urlsplit(location).query)["code"][0]
        return code, verifier

    def exchange():
        code, verifier = code_exchange()
        with CaptureQueriesContext(connection) as captured:
            answer = post(
                "/oauth/token",
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": verifier,
                },
                HTTP_AUTHORIZATION=basic,
            )
        return answer, len(captured.captured_queries)

    exchange()
    answer, exchange_queries = exchange()
    if answer.status_code != 200:
        raise SystemExit(f"code exchange failed: {answer.status_code} {answer.content[:300]!r}")
    user_token = answer.json()["access_token"]
    cc_token = token_cc().json()["access_token"]
    result = {
        "token (client credentials)": count(token_cc),
        "token (authorization code exchange)": exchange_queries,
        "introspection": count(
            lambda: post("/oauth/introspect", {"token": cc_token}, HTTP_AUTHORIZATION=basic)
        ),
        "userinfo": count(
            lambda: api.get("/oauth/userinfo", HTTP_AUTHORIZATION=f"Bearer {user_token}")
        ),
        "jwks": count(lambda: api.get("/oauth/jwks")),
        "discovery": count(lambda: api.get("/.well-known/openid-configuration")),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
