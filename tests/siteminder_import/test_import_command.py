"""import_siteminder: one transaction, idempotent by XID, dry run, changed exports,
gone objects reported and pruned only on request, and a report that lists everything
not carried over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apps.policies.models import Application, Policy, PolicyRule, Realm, Rule
from apps.policies.selectors import resource_access_decide
from apps.siteminder_import.parsers import xps_xml
from tests.siteminder_import.scenario import (
    EXPORT_JSON,
    EXPORT_XML,
    import_export,
    people_create,
)

pytestmark = pytest.mark.django_db

EXPECTED_ISSUES = {
    "unsupported_class",
    "no_agent",
    "unsupported_auth_scheme",
    "event_rule",
    "unsupported_regex",
    "no_realm",
    "active_response",
    "unsupported_response",
    "unsupported_ip",
    "time_restriction",
    "unmapped_dn",
    "unresolved_link",  # the orphan realm's agent
}


def store_size() -> int:
    return sum(m.objects.count() for m in (Application, Realm, Rule, Policy, PolicyRule))


def report_of(tmp_path: Path, *args: str, export: Path = EXPORT_XML) -> dict:
    report = tmp_path / "report.json"
    import_export(export, "--report", str(report), *args)
    return json.loads(report.read_text())


def test_the_import_creates_every_carried_object_and_reports_the_rest(tmp_path) -> None:
    report = report_of(tmp_path)
    summary = report["summary"]
    assert summary["applications"]["create"] == 4
    assert summary["realms"]["create"] == 5
    assert summary["rules"]["create"] == 9
    assert summary["policies"]["create"] == 8
    assert {i["code"] for i in report["issues"]} == EXPECTED_ISSUES
    for issue in report["issues"]:
        assert issue["xid"].startswith("CA.SM::"), issue
        assert issue["cls"]
    ghost = next(i for i in report["issues"] if i["code"] == "unmapped_dn")
    assert "cn=Ghosts" in ghost["message"]
    assert Realm.objects.get(source_xid="CA.SM::Realm@06-0003-synthetic").parent.name == (
        "Intranet admin"
    )


def test_rerunning_the_same_export_changes_nothing(tmp_path) -> None:
    import_export()
    before = {r.source_xid: (r.pk, r.name, r.resource, r.methods) for r in Rule.objects.all()}
    report = report_of(tmp_path)
    assert report["changes"] == []
    for counts in report["summary"].values():
        assert counts["create"] == counts["update"] == counts["gone"] == 0
    after = {r.source_xid: (r.pk, r.name, r.resource, r.methods) for r in Rule.objects.all()}
    assert after == before


def test_a_dry_run_prints_the_plan_and_writes_nothing(tmp_path) -> None:
    output = import_export(EXPORT_XML, "--dry-run")
    assert "dry run" in output
    assert "create rules CA.SM::Rule@07-0001-synthetic 'Read all'" in output
    assert store_size() == 0
    import_export()
    changed = tmp_path / "changed.xml"
    changed.write_text(EXPORT_XML.read_text().replace("Read all", "Read everything"))
    output = import_export(changed, "--dry-run")
    assert "update rules CA.SM::Rule@07-0001-synthetic 'Read everything'" in output
    assert Rule.objects.get(source_xid="CA.SM::Rule@07-0001-synthetic").name == "Read all"


def test_a_changed_export_updates_and_reports_what_changed(tmp_path) -> None:
    import_export()
    text = EXPORT_XML.read_text()
    changed = tmp_path / "changed.xml"
    changed.write_text(
        text.replace("<StringValue>/secret*</StringValue>", "<StringValue>/vault*</StringValue>")
    )
    report = report_of(tmp_path, export=changed)
    (change,) = report["changes"]
    assert change["action"] == "update"
    assert change["xid"] == "CA.SM::Rule@07-0003-synthetic"
    assert change["fields"] == {"resource": ["/secret*", "/vault*"]}
    assert Rule.objects.get(source_xid=change["xid"]).resource == "/vault*"


def test_objects_gone_from_the_export_are_reported_and_removed_only_with_prune(tmp_path) -> None:
    import_export()
    keyway_own = Application.objects.create(name="made in Keyway", hosts=["own.example.com"])
    text = EXPORT_XML.read_text()
    start = text.index('<Object Class="CA.SM::Policy" Xid="CA.SM::Policy@08-0007-synthetic"')
    end = text.index('<Object Class="CA.SM::Policy"', start + 10)
    smaller = tmp_path / "smaller.xml"
    smaller.write_text(text[:start] + text[end:])
    report = report_of(tmp_path, export=smaller)
    assert report["summary"]["policies"]["gone"] == 1
    gone = {(c["kind"], c["action"]) for c in report["changes"]}
    assert ("policies", "gone") in gone
    assert Policy.objects.filter(source_xid="CA.SM::Policy@08-0007-synthetic").exists()
    report = report_of(tmp_path, "--prune", export=smaller)
    assert ("policies", "remove") in {(c["kind"], c["action"]) for c in report["changes"]}
    assert not Policy.objects.filter(source_xid="CA.SM::Policy@08-0007-synthetic").exists()
    assert Application.objects.filter(pk=keyway_own.pk).exists()


def test_an_import_takes_effect_on_decisions_at_once(tmp_path) -> None:
    users = people_create()
    url = {"host": "intranet.example.com", "path": "/index.html"}
    assert resource_access_decide(user=users["alice@example.com"], **url).allowed  # no realm
    import_export()
    assert resource_access_decide(user=users["alice@example.com"], **url).allowed
    assert not resource_access_decide(user=users["nobody@example.com"], **url).allowed
    disabled = '<Property Name="CA.SM::Policy.IsEnabled"><BooleanValue>false'
    text = EXPORT_XML.read_text()
    start = text.index('Xid="CA.SM::Policy@08-0001-synthetic"')
    flag = text.index('<Property Name="CA.SM::Policy.IsEnabled">', start)
    end = text.index("</BooleanValue>", flag)
    changed = tmp_path / "changed.xml"
    changed.write_text(text[:flag] + disabled + text[end:])
    import_export(changed)
    assert not resource_access_decide(user=users["alice@example.com"], **url).allowed


def test_the_html_report_lists_issues_and_changes(tmp_path) -> None:
    html = tmp_path / "report.html"
    import_export(EXPORT_XML, "--html-report", str(html))
    page = html.read_text()
    assert "CA.SM::SharedSecretPolicy@1f-0001-synthetic" in page
    assert "unmapped_dn" in page
    assert "<script" not in page
    assert "style=" not in page


def test_the_rest_api_json_imports_like_an_xps_export(tmp_path) -> None:
    report = report_of(tmp_path, export=EXPORT_JSON)
    assert report["summary"]["rules"]["create"] == 2
    assert [i["code"] for i in report["issues"]] == ["unresolved_link"]
    users = people_create()
    decision = resource_access_decide(
        user=users["alice@example.com"], host="wiki.example.com", path="/wiki/home"
    )
    assert decision.allowed
    assert decision.headers == {"WIKI_USER": "alice@example.com"}
    assert decision.idle_timeout == 900
    editors = resource_access_decide(
        user=users["alice@example.com"], host="wiki.example.com", path="/wiki/edit/x", method="POST"
    )
    assert not editors.allowed
    assert report_of(tmp_path, export=EXPORT_JSON)["changes"] == []


def test_the_xps_reader_keeps_memory_bounded_by_clearing_finished_objects() -> None:
    with EXPORT_XML.open("rb") as stream:
        export = xps_xml.parse(stream)
    assert len(export.objects) == 64
    assert {o.cls for o in export.objects} >= {
        "Agent",
        "AgentGroup",
        "Domain",
        "Realm",
        "Rule",
        "RuleGroup",
        "Policy",
        "UserPolicy",
        "PolicyLink",
        "Response",
        "ResponseAttr",
        "AuthScheme",
        "UserDirectory",
    }


def test_a_progress_bar_is_drawn_on_request(capsys) -> None:
    import_export(EXPORT_XML, "--progress", "always")
    assert "64 objects read" in capsys.readouterr().err


def test_hosts_set_in_keyway_survive_a_re_import(tmp_path) -> None:
    import_export()
    agent = Application.objects.get(source_xid="CA.SM::Agent@01-0001-synthetic")
    agent.hosts = ["intranet.example.com", "intranet.internal"]
    agent.save()
    assert report_of(tmp_path)["changes"] == []
    assert Application.objects.get(pk=agent.pk).hosts == agent.hosts
