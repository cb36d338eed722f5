"""Mapping per SiteMinder class (apps.siteminder_import.mapping), on the parsed exports."""

from __future__ import annotations

import json

import pytest

from apps.siteminder_import.mapping import NO_ADDRESS, Mapped, export_map, group_map_load
from apps.siteminder_import.parsers import Export, Link, SmObject, rest_json, xps_xml
from tests.siteminder_import.scenario import EXPORT_JSON, EXPORT_XML, GROUP_MAP

LEVELS = [[0, "urn:keyway:acr:password"], [10, "urn:keyway:acr:mfa"]]
X = "CA.SM::{}@{}-{:04x}-synthetic".format
IDS = {"Agent": "01", "AgentGroup": "02", "Realm": "06", "Rule": "07", "Policy": "08"}


def xid(cls: str, n: int) -> str:
    return X(cls, IDS.get(cls, {"UserPolicy": "0c", "ResponseAttr": "0b"}.get(cls, "00")), n)


@pytest.fixture(scope="module")
def mapped() -> Mapped:
    with EXPORT_XML.open("rb") as stream:
        export = xps_xml.parse(stream)
    return export_map(export=export, group_map=group_map_load(GROUP_MAP), acr_levels=LEVELS)


def rows(mapped: Mapped, kind: str) -> dict:
    return mapped.plan.rows[kind]


def test_agents_and_agent_groups_become_applications_with_hosts(mapped) -> None:
    apps = rows(mapped, "applications")
    assert apps[xid("Agent", 1)] == {
        "name": "intranet.example.com",
        "hosts": ["intranet.example.com"],
    }
    assert apps[xid("AgentGroup", 1)]["hosts"] == ["hr.example.com", "hr2.example.com"]


def test_realms_keep_filter_protection_scheme_level_and_session_limits(mapped) -> None:
    root = rows(mapped, "realms")[xid("Realm", 1)]
    assert root == {
        "name": "Intranet root",
        "application": xid("Agent", 1),
        "parent": None,
        "resource_filter": "/",
        "protect_all": True,
        "required_acr": "urn:keyway:acr:password",
        "auth_scheme": "Forms",
        "idle_timeout": 1800,
        "max_timeout": 7200,
        "persistent_session": False,  # "Non-peristent", the vendor's spelling
    }
    admin = rows(mapped, "realms")[xid("Realm", 2)]
    assert admin["required_acr"] == "urn:keyway:acr:mfa"
    assert admin["persistent_session"] is True  # "Peristent"
    nested = rows(mapped, "realms")[xid("Realm", 3)]
    assert nested["parent"] == xid("Realm", 2)
    assert nested["application"] == xid("Agent", 1)  # inherited from the parent realm
    assert nested["protect_all"] is False


def test_rules_map_resource_kind_methods_and_flags(mapped) -> None:
    rules = rows(mapped, "rules")
    assert rules[xid("Rule", 1)]["match"] == "prefix"
    assert rules[xid("Rule", 1)]["resource"] == ""
    assert rules[xid("Rule", 1)]["methods"] == ["GET", "HEAD"]
    assert rules[xid("Rule", 3)]["match"] == "wildcard"
    assert rules[xid("Rule", 3)]["allow"] is False
    assert rules[xid("Rule", 4)]["enabled"] is False
    assert rules[xid("Rule", 6)]["methods"] == []  # "*": every method
    assert rules[xid("Rule", 7)]["match"] == "regex"
    assert rules[xid("Rule", 7)]["unsupported"] == ""
    assert rules[xid("Rule", 8)]["unsupported"]
    assert xid("Rule", 5) not in rules  # OnAuthAccept: an event rule


def test_policies_user_policies_and_links(mapped) -> None:
    policies = rows(mapped, "policies")
    assert policies[xid("Policy", 2)]["match_all"] is True  # AND flag
    assert policies[xid("Policy", 5)]["enabled"] is False
    assert policies[xid("Policy", 4)]["ip_networks"] == [
        "10.0.0.0/8",
        "192.168.1.1/32",
        "192.168.1.2/32",
    ]
    subjects = rows(mapped, "policy_subjects")
    assert subjects[xid("UserPolicy", 1)]["recursive"] is True
    assert subjects[xid("UserPolicy", 1)]["value"] == "employees"
    assert subjects[xid("UserPolicy", 2)]["exclude"] is True
    assert subjects[xid("UserPolicy", 4)]["kind"] == "attribute"
    assert (
        subjects[xid("UserPolicy", 4)]["attribute"],
        subjects[xid("UserPolicy", 4)]["value"],
    ) == (
        "sn",
        "Example",
    )
    assert subjects[xid("UserPolicy", 6)]["value"] == "admins"  # DN matched case-insensitively
    assert subjects[xid("UserPolicy", 7)]["kind"] == "user"
    assert subjects[xid("UserPolicy", 7)]["value"] == "bob@example.com"
    assert subjects[xid("UserPolicy", 9)]["resolved"] is False
    bindings = rows(mapped, "policy_rules").values()
    readers = [b for b in bindings if b["policy"] == xid("Policy", 1)]
    assert readers == [
        {
            "name": "CA.SM::PolicyLink@0f-0001-synthetic",
            "policy": xid("Policy", 1),
            "rule": xid("Rule", 1),  # through the rule group
            "response": "CA.SM::Response@0a-0001-synthetic",
        }
    ]


def test_responses_carry_header_variables_static_and_user_attributes(mapped) -> None:
    entries = rows(mapped, "response_entries")
    assert entries[xid("ResponseAttr", 1)]["user_attribute"] == "mail"
    assert entries[xid("ResponseAttr", 2)]["value"] == "Engineering"
    assert xid("ResponseAttr", 3) not in entries  # active response
    assert xid("ResponseAttr", 4) not in entries  # cookie variable


def test_policy_flags_accept_bits_or_words() -> None:
    policy = SmObject("Policy", "P", props={"Name": ["p"]})
    ups = [
        SmObject("UserPolicy", "U1", "P", {"FilterPath": ["*"], "PolicyFlags": ["Exclude, AND"]}),
        SmObject("UserPolicy", "U2", "P", {"FilterPath": ["*"], "PolicyFlags": [3]}),
    ]
    out = export_map(export=Export(objects=[policy, *ups]), group_map={}, acr_levels=LEVELS)
    subjects = out.plan.rows["policy_subjects"]
    assert subjects["U1"]["exclude"] is True
    assert out.plan.rows["policies"]["P"]["match_all"] is True
    assert (subjects["U2"]["exclude"], subjects["U2"]["recursive"]) == (True, True)


def test_unreadable_ip_restrictions_fail_closed() -> None:
    policy = SmObject("Policy", "P", props={"Name": ["p"], "IPAddresses": ["gateway.example"]})
    out = export_map(export=Export(objects=[policy]), group_map={}, acr_levels=LEVELS)
    assert out.plan.rows["policies"]["P"]["ip_networks"] == [NO_ADDRESS]
    assert {i.code for i in out.issues} == {"unsupported_ip", "no_rules"}


def test_unresolved_links_are_reported_with_their_xid() -> None:
    realm = SmObject(
        "Realm",
        "R",
        props={"Name": ["r"], "AgentLink": [Link("A")], "AuthSchemeLink": [Link("missing")]},
    )
    agent = SmObject("Agent", "A", props={"Name": ["a.example.com"]})
    out = export_map(export=Export(objects=[agent, realm]), group_map={}, acr_levels=LEVELS)
    (issue,) = out.issues
    assert (issue.code, issue.xid) == ("unresolved_link", "R")
    assert "missing" in issue.message


def test_the_group_map_reads_json_and_csv(tmp_path) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"CN=Ops, OU=Groups, DC=example, DC=com": "ops"}))
    assert group_map_load(path) == {"cn=ops,ou=groups,dc=example,dc=com": "ops"}
    assert group_map_load(GROUP_MAP)["cn=hr,ou=groups,dc=example,dc=com"] == "hr"


def test_rest_json_links_and_children_parse_like_xps() -> None:
    with EXPORT_JSON.open("rb") as stream:
        export = rest_json.parse(stream)
    realm = next(o for o in export.objects if o.cls == "Realm")
    assert realm.parent == "CA.SM::Domain@03-1001-synthetic"
    assert realm.links("AgentLink") == [
        Link("CA.SM::Agent@01-1001-synthetic", "/SmAgents/wiki.example.com")
    ]
    assert realm.flag("ProtectAll", False) is True
    assert realm.number("IdleTimeout") == 900


def test_objects_without_or_with_a_repeated_xid_are_reported_not_carried() -> None:
    agents = [
        SmObject("Agent", "", props={"Name": ["nameless.example.com"]}),
        SmObject("Agent", "A", props={"Name": ["first.example.com"]}),
        SmObject("Agent", "A", props={"Name": ["second.example.com"]}),
    ]
    out = export_map(export=Export(objects=agents), group_map={}, acr_levels=LEVELS)
    assert out.plan.rows["applications"] == {
        "A": {"name": "first.example.com", "hosts": ["first.example.com"]}
    }
    assert [i.code for i in out.issues] == ["missing_xid", "duplicate_xid"]


def test_an_agent_name_that_is_no_host_name_is_reported() -> None:
    agent = SmObject("Agent", "A", props={"Name": ["webagent01"]})
    out = export_map(export=Export(objects=[agent]), group_map={}, acr_levels=LEVELS)
    assert out.plan.rows["applications"]["A"]["hosts"] == []
    assert [i.code for i in out.issues] == ["agent_not_a_host"]


def test_a_nested_realm_whose_parent_was_not_carried_is_not_carried() -> None:
    agent = SmObject("Agent", "A", props={"Name": ["a.example.com"]})
    parent = SmObject("Realm", "P", props={"Name": ["parent"], "ResourceFilter": ["/p/"]})
    child = SmObject(
        "Realm",
        "C",
        props={
            "Name": ["child"],
            "ResourceFilter": ["c/"],
            "ParentRealmLink": [Link("P")],
            "AgentLink": [Link("A")],
        },
    )
    out = export_map(export=Export(objects=[agent, parent, child]), group_map={}, acr_levels=LEVELS)
    assert out.plan.rows["realms"] == {}
    assert [i.code for i in out.issues] == ["no_agent", "no_parent"]
