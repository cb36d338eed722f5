"""The benchmark's export generator, at a tiny size: its output imports cleanly, twice."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tests.siteminder_import.scenario import import_export

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "siteminder_export_generate.py"


def test_a_generated_export_imports_and_reimports_without_change(db, tmp_path) -> None:
    spec = importlib.util.spec_from_file_location("siteminder_export_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    export = tmp_path / "export.xml"
    module.generate(export, realms=12, rules_per_realm=5, agents=3)
    report = tmp_path / "report.json"
    import_export(export, "--report", str(report))
    summary = json.loads(report.read_text())["summary"]
    assert summary["realms"]["create"] == 14  # two nested child realms
    assert summary["rules"]["create"] == 60
    assert summary["policy_rules"]["create"] == 60
    import_export(export, "--report", str(report))
    assert json.loads(report.read_text())["changes"] == []


pytestmark = pytest.mark.django_db
