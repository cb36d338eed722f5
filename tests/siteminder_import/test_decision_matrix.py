"""The imported synthetic export decides as SiteMinder would, by person, URL and method.

Each row names the SiteMinder rule it proves. ``policy_check`` is the public interface.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.siteminder_import.scenario import import_export, people_create

INTRANET = "https://intranet.example.com"
ADMIN_NET, OUTSIDE = "10.1.2.3", "198.51.100.7"

MATRIX = [
    # (person or None, url, method, ip, expected, why)
    (None, f"{INTRANET}/index.html", "GET", None, "deny", "ProtectAll realm: sign-in needed"),
    ("alice", f"{INTRANET}/index.html", "GET", None, "allow", "Recursive: nested in employees"),
    ("alice", f"{INTRANET}/index.html", "HEAD", None, "allow", "Actions list the method"),
    ("carol", f"{INTRANET}/index.html", "GET", None, "deny", "Exclude: contractors taken out"),
    ("nobody", f"{INTRANET}/index.html", "GET", None, "deny", "no policy covers the person"),
    ("walt", f"{INTRANET}/form", "POST", None, "allow", "AND: writers and sn=Example"),
    ("wendy", f"{INTRANET}/form", "POST", None, "deny", "AND: writer without sn=Example"),
    ("alice", f"{INTRANET}/form", "POST", None, "deny", "the readers' rule lacks POST"),
    ("alice", f"{INTRANET}/x", "PATCH", None, "deny", "disabled rule never fires"),
    ("alice", f"{INTRANET}/secret/plans", "GET", None, "deny", "deny rule overrides allow"),
    ("walt", f"{INTRANET}/secret/x", "POST", None, "deny", "deny rule overrides allow"),
    ("alice", f"{INTRANET}/public/../secret/x", "GET", None, "deny", "dot segments resolved"),
    ("root", f"{INTRANET}/admin/", "GET", ADMIN_NET, "allow", "most specific realm, IP ok"),
    ("root", f"{INTRANET}/admin/", "GET", OUTSIDE, "deny", "IP restriction"),
    ("bob", f"{INTRANET}/admin/users", "DELETE", "192.168.1.2", "allow", "user DN, IP range"),
    ("alice", f"{INTRANET}/admin/", "GET", ADMIN_NET, "deny", "disabled policy never fires"),
    ("root", f"{INTRANET}/admin/reports/summary.pdf", "GET", ADMIN_NET, "allow", "nested realm"),
    (
        "alice",
        f"{INTRANET}/admin/reports/summary.pdf",
        "GET",
        None,
        "deny",
        "regex rule, no policy",
    ),
    (None, f"{INTRANET}/admin/reports/Q1.txt", "GET", None, "allow", "ProtectAll=false, no rule"),
    (None, f"{INTRANET}/public/about", "GET", None, "allow", "ProtectAll=false, no rule"),
    (None, f"{INTRANET}/public/members/list", "GET", None, "deny", "a rule protects it"),
    ("nobody", f"{INTRANET}/public/members/list", "GET", None, "allow", "all-users policy"),
    ("harriet", "https://hr.example.com/payroll", "GET", None, "allow", "agent group member"),
    ("harriet", "https://hr2.example.com/payroll", "POST", None, "allow", "agent group member"),
    ("alice", "https://hr.example.com/payroll", "GET", None, "deny", "not in hr"),
    ("harriet", f"{INTRANET}/orphan/x", "GET", None, "deny", "orphan realm not carried: root"),
    (None, "https://unknown.example.com/", "GET", None, "allow", "no agent: unprotected"),
]


def policy_check(email: str | None, url: str, method: str, ip: str | None) -> dict:
    args = ["--url", url, "--method", method]
    if email:
        args += ["--user", f"{email}@example.com"]
    if ip:
        args += ["--ip", ip]
    out, status = StringIO(), 0
    try:
        call_command("policy_check", *args, stdout=out)
    except SystemExit as exit_status:
        status = exit_status.code
    decision = json.loads(out.getvalue())
    assert status == (0 if decision["decision"] == "allow" else 3)  # the exit status says it too
    return decision


@pytest.fixture
def imported(db: None) -> dict:
    import_export()
    return people_create()


@pytest.mark.parametrize(("who", "url", "method", "ip", "expected", "why"), MATRIX)
def test_decision_matrix(imported, who, url, method, ip, expected, why) -> None:
    decision = policy_check(who, url, method, ip)
    assert decision["decision"] == expected, (why, decision["reasons"])


def test_allowed_responses_carry_the_imported_header_variables(imported) -> None:
    decision = policy_check("alice", f"{INTRANET}/index.html", "GET", None)
    assert decision["headers"] == {"SM_USER": "alice@example.com", "HTTP_DEPT": "Engineering"}
    hr = policy_check("harriet", "https://hr.example.com/", "GET", None)
    assert hr["headers"] == {"HR_USER": "hr-0042"}


def test_realms_carry_the_scheme_level_and_session_limits(imported) -> None:
    root = policy_check("alice", f"{INTRANET}/index.html", "GET", None)
    assert root["required_acr"] == "urn:keyway:acr:password"
    assert (root["idle_timeout"], root["max_timeout"]) == (1800, 7200)
    admin = policy_check("root", f"{INTRANET}/admin/", "GET", ADMIN_NET)
    assert admin["required_acr"] == "urn:keyway:acr:mfa"


def test_policy_check_refuses_an_unknown_user_or_a_relative_url(imported) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("policy_check", "--user", "ghost@example.com", "--url", INTRANET)
    with pytest.raises(CommandError, match="absolute"):
        call_command("policy_check", "--url", "/index.html")
