import io
import json

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.management import CommandError, call_command
from oauth2_provider.oauth2_validators import OAuth2Validator

from apps.audit.models import Event
from apps.oidc_provider.management.commands.create_client import Command
from apps.oidc_provider.models import Client

pytestmark = pytest.mark.django_db

REDIRECT = "https://rp.example.com/callback"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_client", *args, stdout=out)
    return out.getvalue()


def test_json_output_parses_and_includes_client_id_and_client_secret():
    data = json.loads(
        run("--name", "Wiki", "--type", "confidential", "--redirect-uri", REDIRECT, "--json")
    )
    client = Client.objects.get(client_id=data["client_id"])
    assert data["client_secret"]
    assert OAuth2Validator()._check_secret(data["client_secret"], client.client_secret)
    assert identify_hasher(client.client_secret).algorithm == "keyway_client_secret"
    assert data["client_secret_expires_at"] == 0
    assert data["redirect_uris"] == [REDIRECT]
    assert data["token_endpoint_auth_method"] == "client_secret_basic"
    assert data["grant_types"] == ["authorization_code", "refresh_token"]
    assert data["scope"] == "openid profile email"
    assert data["id_token_signed_response_alg"] == "RS256"


def test_json_output_of_a_public_client_has_a_null_secret():
    data = json.loads(
        run(
            "--name",
            "SPA",
            "--type",
            "public",
            "--redirect-uri",
            "http://127.0.0.1:5173/cb",
            "--json",
        )
    )
    assert data["client_secret"] is None
    assert "client_secret_expires_at" not in data
    assert data["token_endpoint_auth_method"] == "none"


def test_every_option_is_applied():
    data = json.loads(
        run(
            "--name=Portal",
            "--type=confidential",
            f"--redirect-uri={REDIRECT}",
            "--redirect-uri=https://rp.example.com/other",
            "--post-logout-redirect-uri=https://rp.example.com/bye",
            "--post-logout-redirect-uri=https://rp.example.com/bye2",
            "--backchannel-logout-uri=https://rp.example.com/backchannel",
            "--grant-types",
            "authorization_code,refresh_token client_credentials",
            "--scopes",
            "openid",
            "email,groups",
            "--skip-consent",
            "--token-endpoint-auth-method=client_secret_post",
            "--algorithm=ES256",
            "--client-id=legacy-portal",
            "--json",
        )
    )
    client = Client.objects.get(client_id="legacy-portal")
    assert data["client_id"] == "legacy-portal"
    assert client.redirect_uris.split() == [REDIRECT, "https://rp.example.com/other"]
    assert client.post_logout_redirect_uris.split() == [
        "https://rp.example.com/bye",
        "https://rp.example.com/bye2",
    ]
    assert client.backchannel_logout_uri == "https://rp.example.com/backchannel"
    assert client.grant_types == ["authorization_code", "refresh_token", "client_credentials"]
    assert client.allowed_scopes == ["openid", "email", "groups"]
    assert client.skip_consent
    assert client.token_endpoint_auth_method == "client_secret_post"
    assert client.algorithm == "ES256"


def test_summary_shows_the_secret_and_says_it_is_shown_only_once():
    out = run("--name", "Wiki", "--type", "confidential", "--redirect-uri", REDIRECT)
    client = Client.objects.get()
    assert client.client_id in out
    assert "shown only once" in out
    secret_line = next(line for line in out.splitlines() if "client_secret:" in line)
    secret = secret_line.split()[-1]
    assert OAuth2Validator()._check_secret(secret, client.client_secret)


def test_failing_command_writes_nothing_and_names_the_problems():
    with pytest.raises(CommandError) as excinfo:
        run(
            "--name",
            "Wiki",
            "--type",
            "confidential",
            "--redirect-uri",
            "http://rp.example.com/callback",
            "--scopes",
            "openid,admin",
            "--grant-types",
            "implicit",
        )
    message = str(excinfo.value)
    assert "--redirect-uri: http://rp.example.com/callback: must use https" in message
    assert "--scopes: Unknown scopes: admin" in message
    assert "--grant-types: Unsupported grant types: implicit" in message
    assert not Client.objects.exists()
    assert not Event.objects.exists()


def test_failing_command_exits_non_zero(monkeypatch, capsys):
    # run_from_argv is what manage.py runs; it closes connections when done, which would
    # end the test's transaction, so that part is stubbed.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as excinfo:
        Command().run_from_argv(
            [
                "manage.py",
                "create_client",
                "--name=Wiki",
                "--type=confidential",
                "--redirect-uri=https://rp.example.com/cb#fragment",
                "--json",
            ]
        )
    assert excinfo.value.code != 0
    captured = capsys.readouterr()
    assert "must not contain a fragment" in captured.err
    assert captured.out == ""
    assert not Client.objects.exists()


def test_duplicate_client_id_fails_and_keeps_the_first_client():
    run("--name=A", "--type=public", f"--redirect-uri={REDIRECT}", "--client-id=dup")
    with pytest.raises(CommandError, match="--client-id"):
        run("--name=B", "--type=public", f"--redirect-uri={REDIRECT}", "--client-id=dup")
    assert list(Client.objects.values_list("name", flat=True)) == ["A"]


def test_type_is_required_and_limited_to_confidential_or_public():
    with pytest.raises(CommandError):
        run("--name=A", "--type=hybrid", f"--redirect-uri={REDIRECT}")
    assert not Client.objects.exists()
