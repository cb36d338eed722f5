"""The import report: what was (or would be) created, updated, left alone, gone or
removed, and every issue — the object's XID, class and name, and why it was not carried
faithfully. JSON for tooling, HTML for people (``templates/siteminder_import/report.html``).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from apps.policies.services import SyncResult
from apps.siteminder_import.mapping import Mapped
from apps.siteminder_import.parsers import Export


def report_build(
    *, source: str, export: Export, mapped: Mapped, result: SyncResult, dry_run: bool, prune: bool
) -> dict[str, Any]:
    return {
        "export": source,
        "generated_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "dry_run": dry_run,
        "prune": prune,
        "source_objects": dict(sorted(mapped.counts.items())),
        "summary": result.counts,
        "changes": [asdict(c) for c in result.changes],
        "issues": [asdict(i) for i in mapped.issues],
        "unknown_input": [asdict(o) for o in export.oddities],
    }


def report_write_json(report: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")


def report_write_html(report: dict[str, Any], path: Path) -> None:
    path.write_text(
        render_to_string("siteminder_import/report.html", {"report": report}), encoding="utf-8"
    )
