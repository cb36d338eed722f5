"""manage.py import_users: legacy users from the Node.js service, with the hashes its npm
packages wrote (tests/fixtures/legacy: bcryptjs-v2 $2a$, bcryptjs $2b$, bcrypt $2b$, $2y$,
passport-local-mongoose at its defaults and with sha1 options; no hash)."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from apps.accounts.models import User
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures" / "legacy"
PASSWORDS = {
    email.lower(): password
    for email, password in json.loads((FIXTURES / "passwords.json").read_text()).items()
}
FIXTURE_USERS = 7


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_users", str(path), "--progress", "never", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_report(tmp_path, path, *args):
    report = tmp_path / "report.json"
    run(path, "--report", str(report), *args)
    return json.loads(report.read_text())


def write_jsonl(tmp_path, lines, name="users.jsonl"):
    path = tmp_path / name
    path.write_bytes(b"".join(line if isinstance(line, bytes) else line.encode() for line in lines))
    return path


def row(**fields):
    return json.dumps(fields) + "\n"


def test_fixture_imports_every_hash_format_and_each_verifies(tmp_path):
    report = run_report(tmp_path, FIXTURES / "users.jsonl")
    assert report["summary"] == {"created": 7, "updated": 0, "unchanged": 0, "rejected": 0}
    for email, password in PASSWORDS.items():
        user = User.objects.get_by_natural_key(email)
        assert user.password.startswith(("legacy_bcrypt$", "legacy_pbkdf2_plm$"))
        assert user.check_password(password), email
        assert user.password.startswith("argon2$argon2id$")  # upgraded by check_password

    ada = User.objects.get_by_natural_key("ada.v2@example.com")
    assert ada.email == "Ada.V2@example.com"
    assert ada.external_id == "64b7f0c2a1e4d3b2c1a09f01"
    assert sorted(ada.groups.values_list("name", flat=True)) == ["engineering", "staff"]
    assert (ada.given_name, ada.family_name) == ("Ada", "Lovelace")
    prefixes = {User.objects.get_by_natural_key(e).password[:18] for e in ["rasmus@example.com"]}
    assert prefixes == {"argon2$argon2id$v="}


def test_stored_hashes_are_the_legacy_ones_unchanged(tmp_path):
    run(FIXTURES / "users.jsonl")
    records = [json.loads(line) for line in (FIXTURES / "users.jsonl").read_text().splitlines()]
    for record in records:
        if "password_hash" in record:
            user = User.objects.get_by_natural_key(record["email"])
            assert user.password == "legacy_bcrypt$" + record["password_hash"]
    assert User.objects.get(email="rasmus@example.com").password.startswith("legacy_bcrypt$$2y$")


@pytest.mark.parametrize(
    "email", ["Ada.V2@example.com", "grace@example.com", "margaret@example.com"]
)
def test_imported_user_signs_in_on_the_hosted_page_and_is_upgraded(client, email):
    run(FIXTURES / "users.jsonl")
    password = PASSWORDS[email.lower()]
    assert sign_in(client, email, password + "x").status_code == 200
    assert sign_in(client, email, password).status_code == 302
    user = User.objects.get_by_natural_key(email)
    assert user.password.startswith("argon2$argon2id$")
    client.post("/signout/")
    assert sign_in(client, email.upper(), password).status_code == 302


def test_second_run_changes_nothing(tmp_path):
    run(FIXTURES / "users.jsonl")
    before = {u.email: (u.subject, u.password, u.updated_at) for u in User.objects.all()}
    report = run_report(tmp_path, FIXTURES / "users.jsonl")
    assert report["summary"] == {"created": 0, "updated": 0, "unchanged": 7, "rejected": 0}
    after = {u.email: (u.subject, u.password, u.updated_at) for u in User.objects.all()}
    assert after == before
    assert User.objects.count() == FIXTURE_USERS
    assert Group.objects.count() == 2


def test_upgraded_password_is_not_replaced_by_a_rerun(tmp_path):
    run(FIXTURES / "users.jsonl")
    user = User.objects.get(email="grace@example.com")
    assert user.check_password(PASSWORDS["grace@example.com"])
    upgraded = User.objects.get(pk=user.pk).password
    report = run_report(tmp_path, FIXTURES / "users.jsonl")
    assert report["summary"]["unchanged"] == 7
    assert User.objects.get(pk=user.pk).password == upgraded


def test_changed_record_updates_and_keeps_subject_and_other_groups(tmp_path):
    run(FIXTURES / "users.jsonl")
    grace = User.objects.get(email="grace@example.com")
    grace.groups.add(Group.objects.create(name="keyway-only"))
    path = write_jsonl(
        tmp_path,
        [
            row(email="GRACE@example.com", family_name="Hopper-Murray", groups=["navy"]),
            row(email="dennis@example.com", is_active=False),
        ],
    )
    report = run_report(tmp_path, path)
    assert report["summary"] == {"created": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    updated = User.objects.get(pk=grace.pk)
    assert updated.subject == grace.subject
    assert updated.email == "grace@example.com"
    assert (updated.given_name, updated.family_name) == ("Grace", "Hopper-Murray")
    assert sorted(updated.groups.values_list("name", flat=True)) == ["keyway-only", "navy", "staff"]
    assert updated.password == grace.password


def test_changed_legacy_hash_replaces_a_still_legacy_password(tmp_path):
    run(FIXTURES / "users.jsonl")
    linus = User.objects.get(email="linus@example.com")
    rasmus = User.objects.get(email="rasmus@example.com")
    path = write_jsonl(
        tmp_path, [row(email="linus@example.com", password_hash=rasmus.password[14:])]
    )
    assert run_report(tmp_path, path)["summary"]["updated"] == 1
    assert User.objects.get(pk=linus.pk).password == rasmus.password


def test_dry_run_writes_nothing(tmp_path):
    report = run_report(tmp_path, FIXTURES / "users.jsonl", "--dry-run")
    assert report["dry_run"] is True
    assert report["summary"] == {"created": 7, "updated": 0, "unchanged": 0, "rejected": 0}
    assert User.objects.count() == 0
    assert Group.objects.count() == 0
    assert not (tmp_path / "report.json.checkpoint").exists()


def test_records_without_a_hash_get_an_unusable_password(tmp_path):
    run(FIXTURES / "users.jsonl")
    dennis = User.objects.get(email="dennis@example.com")
    assert not dennis.has_usable_password()
    assert not dennis.is_active
    assert dennis.external_id == "legacy-7"


def test_malformed_lines_are_reported_and_good_lines_import(tmp_path):
    path = write_jsonl(
        tmp_path,
        [
            row(email="good1@example.com"),  # 1
            "{not json\n",  # 2
            row(given_name="No Email"),  # 3
            row(email="not-an-email"),  # 4
            row(email="Dup@Example.com"),  # 5
            row(email="dup@example.com"),  # 6
            row(email="hash@example.com", password_hash="$argon2id$v=19$m=1,t=1,p=1$x$y"),  # 7
            row(email="huge@example.com", given_name="x" * 100_000),  # 8
            "\n",  # 9: blank, skipped
            row(email="names@example.com", given_name=["not", "a", "string"]),  # 10
            row(email="groups@example.com", groups="staff"),  # 11
            b'{"email": "bad\xff@example.com"}\n',  # 12
            "[1, 2]\n",  # 13
            row(email="plm@example.com", salt="abcd", hash="zz"),  # 14
            row(email="good2@example.com", is_active="maybe"),  # 15
            row(email="good3@example.com"),  # 16
        ],
    )
    report = run_report(tmp_path, path)
    reasons = {entry["line"]: entry["reason"] for entry in report["rejected"]}
    assert sorted(reasons) == [2, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14, 15]
    assert reasons[2] == "bad JSON"
    assert reasons[3] == "missing email"
    assert reasons[4].startswith("bad email")
    assert reasons[6] == "duplicate email in file (line 5)"
    assert reasons[7].startswith("unknown hash format")
    assert reasons[8].startswith("line longer than")
    assert reasons[10] == "given_name must be a string"
    assert reasons[11].startswith("bad groups")
    assert reasons[12] == "not UTF-8"
    assert reasons[14].startswith("unknown hash format")
    assert reasons[15].startswith("bad is_active")
    assert report["summary"] == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 12}
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "Dup@example.com",
        "good1@example.com",
        "good3@example.com",
    ]


def test_csv_imports_like_jsonl(tmp_path):
    records = [json.loads(line) for line in (FIXTURES / "users.jsonl").read_text().splitlines()]
    columns = [
        "email",
        "external_id",
        "given_name",
        "family_name",
        "display_name",
        "groups",
        "is_active",
        "password_hash",
        "salt",
        "hash",
        "iterations",
        "keylen",
        "digest",
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns)
    writer.writeheader()
    for record in records:
        record = {**record, "external_id": record.get("external_id") or record["_id"]["$oid"]}
        record.pop("_id", None)
        record["groups"] = ";".join(record.get("groups", []))
        if "is_active" in record:
            record["is_active"] = "true" if record["is_active"] else "false"
        writer.writerow(record)
    buffer.write('"Broken@example.com,"\n')  # an unterminated quote... closed: one field
    buffer.write("bad-email,,,,,,,,,,,,\n")
    path = tmp_path / "users.csv"
    path.write_text(buffer.getvalue())

    report = run_report(tmp_path, path)
    assert report["format"] == "csv"
    assert report["summary"] == {"created": 7, "updated": 0, "unchanged": 0, "rejected": 2}
    assert [entry["line"] for entry in report["rejected"]] == [9, 10]
    for email, password in PASSWORDS.items():
        assert User.objects.get_by_natural_key(email).check_password(password), email
    assert not User.objects.get(email="dennis@example.com").is_active
    assert sorted(
        User.objects.get(email="grace@example.com").groups.values_list("name", flat=True)
    ) == ["staff"]
    again = run_report(tmp_path, path)
    assert again["summary"] == {"created": 0, "updated": 0, "unchanged": 7, "rejected": 2}


def test_per_run_pbkdf2_options_apply_to_records_without_their_own(tmp_path):
    record = next(
        json.loads(line)
        for line in (FIXTURES / "users.jsonl").read_text().splitlines()
        if '"sha1"' in line
    )
    bare = {"email": record["email"], "salt": record["salt"], "hash": record["hash"]}
    path = write_jsonl(tmp_path, [json.dumps(bare) + "\n"])
    rejected = run_report(tmp_path, path)  # PLM defaults: keylen 512 does not match
    assert rejected["summary"]["rejected"] == 1
    report = run_report(
        tmp_path,
        path,
        "--pbkdf2-iterations",
        "10000",
        "--pbkdf2-keylen",
        "64",
        "--pbkdf2-digest",
        "sha1",
    )
    assert report["summary"]["created"] == 1
    assert User.objects.get(email=record["email"]).check_password(PASSWORDS[record["email"]])


def test_external_id_of_another_user_is_rejected(tmp_path):
    run(FIXTURES / "users.jsonl")
    path = write_jsonl(tmp_path, [row(email="new@example.com", external_id="legacy-2")])
    report = run_report(tmp_path, path)
    assert report["rejected"] == [
        {"line": 1, "reason": "external_id belongs to another user", "email": "new@example.com"}
    ]
    assert not User.objects.filter(email="new@example.com").exists()


def test_batches_checkpoint_and_resume(tmp_path):
    path = write_jsonl(tmp_path, [row(email=f"u{n}@example.com") for n in range(1, 8)])
    report = run_report(tmp_path, path, "--batch-size", "3", "--start-line", "4")
    assert report["summary"]["created"] == 4
    assert not (tmp_path / "report.json.checkpoint").exists()  # removed when complete
    checkpoint = tmp_path / "report.json.checkpoint"
    checkpoint.write_text(json.dumps({"file": str(path.resolve()), "next_line": 2}))
    report = run_report(tmp_path, path, "--resume")
    assert report["start_line"] == 2
    assert report["summary"] == {"created": 2, "updated": 0, "unchanged": 4, "rejected": 0}
    assert User.objects.count() == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resume"], "--resume needs --report"),
        (["--report", "{tmp}/r.json", "--resume"], "no checkpoint"),
        (["--pbkdf2-iterations", "99999999"], "--pbkdf2-iterations"),
    ],
)
def test_bad_command_lines_are_command_errors_not_tracebacks(tmp_path, args, message):
    path = write_jsonl(tmp_path, [row(email="x@example.com")])
    args = [arg.format(tmp=tmp_path) for arg in args]
    with pytest.raises(CommandError, match=message):
        run(path, *args)


def test_csv_without_an_email_column_is_reported(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("name,given_name\nx,y\n")
    report = run_report(tmp_path, path)
    assert report["rejected"] == [{"line": 1, "reason": "bad CSV: the header has no email column"}]


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(tmp_path / "nope.jsonl")
