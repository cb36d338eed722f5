"""Create the benchmark's person and relying party in Keyway's bench database; print JSON.

Run by bench/run.py with the production settings and the bench DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.oidc_provider.client_services import client_create

PASSWORD = "correct horse battery staple"
redirect_uri = os.environ["BENCH_REDIRECT_URI"]

user = User.objects.filter(email="bench@example.com").first() or user_create(
    email="bench@example.com", password=PASSWORD, given_name="Bench", family_name="User"
)
client, secret = client_create(
    name="Bench RP",
    client_type="confidential",
    redirect_uris=[redirect_uri],
    scopes=["openid", "profile", "email", "offline_access"],
    grant_types=["authorization_code", "refresh_token", "client_credentials"],
    skip_consent=True,
)
print(
    json.dumps(
        {
            "client_id": client.client_id,
            "client_secret": secret,
            "email": user.email,
            "password": PASSWORD,
        }
    )
)
