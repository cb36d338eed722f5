"""manage.py import_clients: legacy relying parties keep their client_id and secret."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.core.management import CommandError, call_command

from apps.audit.models import Event
from apps.oidc_provider.import_services import client_secret_upgrade
from apps.oidc_provider.importers.clients import parse_clients
from apps.oidc_provider.models import Client
from tests.oidc_provider.conftest import REDIRECT_URI, Flow, RegisteredClient, token_post

pytestmark = pytest.mark.django_db

# One bcrypt vector written by the real bcryptjs npm package (see the fixture's comment).
VECTOR = json.loads(
    (Path(__file__).parents[1] / "fixtures/legacy/bcryptjs_client_secret.json").read_text()
)
PLAINTEXT_SECRET = "plain-legacy-secret-" + "k" * 40


def wiki(**overrides):
    """A confidential legacy client whose secret the legacy service kept as bcrypt."""
    record = {
        "client_id": "legacy-wiki",
        "client_name": "Wiki",
        "client_type": "confidential",
        "client_secret_hash": VECTOR["hash"],
        "redirect_uris": [REDIRECT_URI],
        "post_logout_redirect_uris": ["https://rp.example.com/bye"],
        "grant_types": ["authorization_code", "refresh_token"],
        "scope": "openid profile email",
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not None}


def crm(**overrides):
    """A confidential legacy client exported with its plaintext secret, using POST auth."""
    defaults = {
        "client_id": "legacy-crm",
        "client_name": "CRM",
        "client_secret_hash": None,
        "client_secret": PLAINTEXT_SECRET,
        "token_endpoint_auth_method": "client_secret_post",
    }
    return wiki(**{**defaults, **overrides})


def spa():
    return {
        "client_id": "legacy-spa",
        "name": "SPA",
        "type": "public",
        "redirect_uris": [REDIRECT_URI],
        "grants": ["authorization_code"],
        "scopes": ["openid"],
    }


def write(tmp_path, records, *, jsonl=False, name="clients") -> Path:
    path = tmp_path / (f"{name}.jsonl" if jsonl else f"{name}.json")
    if jsonl:
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    else:
        path.write_text(json.dumps(records, indent=2))
    return path


def run(path, *args, expect_exit=0):
    """Run the command; returns (stdout, report dict)."""
    report = path.with_suffix(".report.json")
    out = StringIO()
    if expect_exit:
        with pytest.raises(SystemExit) as exited:
            call_command("import_clients", str(path), "--report", str(report), *args, stdout=out)
        assert exited.value.code == expect_exit
    else:
        call_command("import_clients", str(path), "--report", str(report), *args, stdout=out)
    return out.getvalue(), json.loads(report.read_text())


def by_id(report):
    return {r["client_id"]: r for r in report["records"]}


def basic(client_id, secret):
    return RegisteredClient(Client.objects.get(client_id=client_id), secret).basic_auth()


# --- Parsing ------------------------------------------------------------------------------


def test_array_and_jsonl_give_the_same_records_with_their_lines():
    records = [wiki(), crm(), spa()]
    array = parse_clients(json.dumps(records, indent=2).encode())
    lines = parse_clients("".join(json.dumps(r) + "\n\n" for r in records).encode())

    assert [r.client_id for r in array.records] == [r.client_id for r in lines.records]
    assert [r.position.line for r in lines.records] == [1, 3, 5]
    assert [r.position.index for r in array.records] == [0, 1, 2]
    assert array.records[0].position.line == 2  # the line where the object starts
    assert array.records[0].secret_hash == "legacy_bcrypt$" + VECTOR["hash"]
    assert array.records[2].is_public
    assert array.records[2].token_endpoint_auth_method == "none"
    assert array.records[1].secret_plaintext == PLAINTEXT_SECRET


def test_legacy_grant_names_are_mapped():
    parsed = parse_clients(
        json.dumps([wiki(grant_types=["Authorization-Code", "refresh"])]).encode()
    )
    assert parsed.records[0].grant_types == ("authorization_code", "refresh_token")


# --- Importing ----------------------------------------------------------------------------


def test_import_creates_clients_with_their_old_ids_and_secrets(tmp_path):
    out, report = run(write(tmp_path, [wiki(), crm(), spa()]))

    assert report["summary"] == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    assert "3 created, 0 updated, 0 unchanged, 0 rejected" in out
    wiki_client = Client.objects.get(client_id="legacy-wiki")
    assert wiki_client.client_secret == "legacy_bcrypt$" + VECTOR["hash"]
    assert wiki_client.name == "Wiki"
    assert wiki_client.token_endpoint_auth_method == "client_secret_basic"
    assert wiki_client.post_logout_redirect_uris == "https://rp.example.com/bye"
    assert wiki_client.allowed_scopes == ["openid", "profile", "email"]
    crm_client = Client.objects.get(client_id="legacy-crm")
    assert identify_hasher(crm_client.client_secret).algorithm == "keyway_client_secret"
    assert crm_client.token_endpoint_auth_method == "client_secret_post"
    spa_client = Client.objects.get(client_id="legacy-spa")
    assert spa_client.client_type == "public"
    assert spa_client.token_endpoint_auth_method == "none"
    # No secret ever reaches the output or the report.
    for text in (out, json.dumps(report)):
        assert PLAINTEXT_SECRET not in text
        assert VECTOR["hash"] not in text


def test_bcrypt_and_plaintext_secrets_authenticate_at_the_token_endpoint(
    tmp_path, signed_in, client
):
    run(write(tmp_path, [wiki(), crm()]))

    for client_id, secret in (("legacy-wiki", VECTOR["plaintext"]), ("legacy-crm", None)):
        rp = RegisteredClient(Client.objects.get(client_id=client_id), secret)
        flow = Flow(signed_in, rp)
        code = flow.get_code()
        if secret is None:  # client_secret_post with the old plaintext secret
            response = token_post(
                signed_in,
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": flow.verifier,
                    "client_id": client_id,
                    "client_secret": PLAINTEXT_SECRET,
                },
            )
        else:
            response = flow.exchange(code)
        assert response.status_code == 200, (client_id, response.content)
        assert response.json()["id_token"]


def test_wrong_secret_is_refused_and_not_upgraded(tmp_path, client):
    run(write(tmp_path, [wiki(grant_types=["client_credentials"], redirect_uris=[])]))

    response = token_post(
        client, {"grant_type": "client_credentials"}, **basic("legacy-wiki", "not-the-secret")
    )

    assert response.status_code == 401
    stored = Client.objects.get(client_id="legacy-wiki").client_secret
    assert stored == "legacy_bcrypt$" + VECTOR["hash"]


def test_bcrypt_secret_is_upgraded_on_first_authentication(tmp_path, client):
    path = write(tmp_path, [wiki(grant_types=["client_credentials"], redirect_uris=[])])
    run(path)
    auth = basic("legacy-wiki", VECTOR["plaintext"])

    first = token_post(client, {"grant_type": "client_credentials", "scope": "profile"}, **auth)

    assert first.status_code == 200, first.content
    stored = Client.objects.get(client_id="legacy-wiki").client_secret
    # The second request is checked with the fast hasher, not bcrypt.
    assert identify_hasher(stored).algorithm == "keyway_client_secret"
    event = Event.objects.get(type="client.secret_upgraded")
    assert event.data["client_id"] == "legacy-wiki"
    assert event.data["from"] == "legacy_bcrypt"
    assert event.data["short_secret"] is False
    assert VECTOR["plaintext"] not in json.dumps(event.data)
    second = token_post(client, {"grant_type": "client_credentials", "scope": "profile"}, **auth)
    assert second.status_code == 200
    assert Client.objects.get(client_id="legacy-wiki").client_secret == stored
    assert Event.objects.filter(type="client.secret_upgraded").count() == 1
    # Re-running the import after the upgrade keeps the fast hash: nothing changed.
    _, report = run(path)
    assert report["summary"]["unchanged"] == 1
    assert Client.objects.get(client_id="legacy-wiki").client_secret == stored


def test_client_secret_post_bcrypt_secret_is_upgraded_too(tmp_path, client):
    run(
        write(
            tmp_path,
            [
                wiki(
                    grant_types=["client_credentials"],
                    redirect_uris=[],
                    token_endpoint_auth_method="client_secret_post",
                )
            ],
        )
    )
    response = token_post(
        client,
        {
            "grant_type": "client_credentials",
            "client_id": "legacy-wiki",
            "client_secret": VECTOR["plaintext"],
        },
    )
    assert response.status_code == 200, response.content
    stored = Client.objects.get(client_id="legacy-wiki").client_secret
    assert identify_hasher(stored).algorithm == "keyway_client_secret"


def test_upgrade_refuses_a_plaintext_that_does_not_verify(tmp_path):
    run(write(tmp_path, [wiki()]))
    legacy = Client.objects.get(client_id="legacy-wiki")

    assert not client_secret_upgrade(client=legacy, plaintext="guess")
    assert client_secret_upgrade(client=legacy, plaintext=VECTOR["plaintext"])
    assert not client_secret_upgrade(client=legacy, plaintext=VECTOR["plaintext"])  # done


def test_second_run_of_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, [wiki(), crm(), spa()], jsonl=True)
    run(path)
    before = {c.client_id: (c.client_secret, c.updated) for c in Client.objects.all()}
    events = Event.objects.count()

    _, report = run(path)

    assert report["summary"] == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    assert {c.client_id: (c.client_secret, c.updated) for c in Client.objects.all()} == before
    assert Event.objects.count() == events


def test_changed_record_updates_the_client_in_place(tmp_path):
    run(write(tmp_path, [wiki(), crm()]))
    crm_pk = Client.objects.get(client_id="legacy-crm").pk
    new_secret = "rotated-in-the-legacy-service-" + "z" * 40

    _, report = run(
        write(
            tmp_path,
            [
                wiki(redirect_uris=[REDIRECT_URI, "https://rp.example.com/cb2"]),
                crm(client_secret=new_secret),
            ],
            name="second",
        )
    )

    records = by_id(report)
    assert records["legacy-wiki"]["status"] == "updated"
    assert records["legacy-wiki"]["changed"] == ["redirect_uris"]
    assert records["legacy-crm"]["changed"] == ["client_secret"]
    updated = Client.objects.get(client_id="legacy-crm")
    assert updated.pk == crm_pk
    assert check_password(new_secret, updated.client_secret)
    assert not check_password(PLAINTEXT_SECRET, updated.client_secret)
    assert Event.objects.filter(type="client.updated", data__client_id="legacy-crm").exists()


def test_dry_run_writes_nothing(tmp_path):
    path = write(tmp_path, [wiki(), crm(), spa(), {"client_name": "no id"}])

    out, report = run(path, "--dry-run", expect_exit=2)

    assert report["dry_run"] is True
    assert report["summary"] == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 1}
    assert out.rstrip().endswith(
        "Dry run, nothing written: 3 created, 0 updated, 0 unchanged, 1 rejected."
    )
    assert not Client.objects.exists()
    assert not Event.objects.exists()


def test_rejected_records_are_reported_with_position_and_reason_and_the_rest_imports(tmp_path):
    records = [
        wiki(),
        {"client_name": "No id", "client_secret": PLAINTEXT_SECRET},
        crm(client_id="bad-uri", redirect_uris=["http://evil.example.com/cb"]),
        crm(client_id="old-implicit", grant_types=["implicit"]),
        crm(client_id="old-password", grant_types=["password", "authorization_code"]),
        crm(client_id="exotic", grant_types=["urn:example:grant"]),
        wiki(client_id="md5-hash", client_secret_hash="5f4dcc3b5aa765d61d8327deb882cf99"),
        crm(client_id="dup"),
        crm(client_id="dup", client_name="Dup again"),
        crm(client_id="bad-scope", scope="openid admin"),
        spa() | {"client_id": "public-with-secret", "client_secret": "x"},
        crm(client_id="no-secret", client_secret=None),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "{not json\n")

    out, report = run(path, expect_exit=2)

    assert report["summary"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 12}
    assert [c.client_id for c in Client.objects.all()] == ["legacy-wiki"]
    rejected = [r for r in report["records"] if r["status"] == "rejected"]
    reasons = {(r["position"]["line"], r["client_id"]): " ".join(r["reasons"]) for r in rejected}
    assert "missing client_id" in reasons[(2, None)]
    assert "bad redirect uri 'http://evil.example.com/cb'" in reasons[(3, "bad-uri")]
    assert "implicit grant is not supported" in reasons[(4, "old-implicit")]
    assert "resource owner password grant is not supported" in reasons[(5, "old-password")]
    assert "unknown grant type 'urn:example:grant'" in reasons[(6, "exotic")]
    assert "unknown hash format" in reasons[(7, "md5-hash")]
    assert "duplicate client_id in the file (lines 8, 9)" in reasons[(8, "dup")]
    assert "duplicate client_id in the file (lines 8, 9)" in reasons[(9, "dup")]
    assert "Unknown scopes: admin" in reasons[(10, "bad-scope")]
    assert "public client has no secret" in reasons[(11, "public-with-secret")]
    assert "needs client_secret or client_secret_hash" in reasons[(12, "no-secret")]
    assert "not valid JSON" in reasons[(13, None)]
    assert "line 7): md5-hash: rejected" in out
    assert "Traceback" not in out


def test_unreadable_files_fail_cleanly_and_write_nothing(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[\n  {"client_id": "a"},\n  {oops}\n]')
    with pytest.raises(CommandError, match=r"line 3.*Nothing was imported"):
        call_command("import_clients", str(broken), stdout=StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_clients", str(tmp_path / "missing.json"), stdout=StringIO())
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"client_id": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_clients", str(latin1), stdout=StringIO())
    assert not Client.objects.exists()


def test_short_plaintext_secret_is_imported_with_a_warning(tmp_path):
    out, report = run(write(tmp_path, [crm(client_secret="hunter2")]))
    assert report["summary"]["created"] == 1
    assert "shorter than 32 characters" in report["records"][0]["warnings"][0]
    assert "hunter2" not in out


def test_client_made_public_loses_its_secret(tmp_path):
    run(write(tmp_path, [crm()]))
    _, report = run(
        write(
            tmp_path,
            [crm(client_type="public", client_secret=None, token_endpoint_auth_method="none")],
            name="public",
        )
    )
    assert report["records"][0]["changed"] == [
        "client_secret",
        "client_type",
        "token_endpoint_auth_method",
    ]
    public = Client.objects.get(client_id="legacy-crm")
    assert public.is_public
    assert not check_password(PLAINTEXT_SECRET, public.client_secret)
