"""Import a CA SiteMinder policy store into Keyway's access policies.

    manage.py import_siteminder EXPORT [--format xml|json] [--dry-run] [--report FILE.json]
        [--html-report FILE.html] [--group-map FILE] [--prune]

EXPORT is an XPSExport XML file or policy REST API JSON (``apps.siteminder_import.parsers``),
mapped by ``apps.siteminder_import.mapping`` and written by
``apps.policies.services.policy_store_sync`` in one transaction: all or nothing. Objects
are keyed by their XID, so re-running the same export changes nothing; a changed export
updates what changed; objects gone from the export are reported, and deleted only with
``--prune``. ``--dry-run`` prints the same plan and writes nothing.

Exit status: 0 imported (or planned), 1 the export or group map is unreadable or
malformed (with line and column; nothing written).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.common.progress import ProgressBar
from apps.policies.services import SyncResult, policy_store_sync
from apps.siteminder_import.mapping import Mapped, export_map, group_map_load
from apps.siteminder_import.parsers import Export, ExportError, rest_json, xps_xml
from apps.siteminder_import.report import report_build, report_write_html, report_write_json

SHOWN = 40


def _format_of(path: Path, stream: IO[bytes]) -> str:
    if path.suffix.lower() == ".json":
        return "json"
    if path.suffix.lower() == ".xml":
        return "xml"
    head = stream.read(64).lstrip()
    stream.seek(0)
    return "json" if head[:1] in (b"{", b"[") else "xml"


class Command(BaseCommand):
    help = "Import a SiteMinder policy store (XPSExport XML or REST API JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("export", type=Path)
        parser.add_argument("--format", choices=("xml", "json"), help="default: from the file")
        parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
        parser.add_argument("--report", type=Path, help="write a JSON report here")
        parser.add_argument("--html-report", type=Path, help="write an HTML report here")
        parser.add_argument("--group-map", type=Path, help="JSON or CSV: LDAP group DN → group")
        parser.add_argument("--prune", action="store_true", help="delete objects gone from it")
        parser.add_argument(
            "--progress",
            choices=("auto", "always", "never"),
            default="auto",
            help="progress bar on stderr (auto: when stderr is a terminal)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["export"]
        try:
            group_map = group_map_load(options["group_map"]) if options["group_map"] else {}
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise CommandError(f"{options['group_map']}: unreadable group map: {error}") from None
        show = options["progress"]
        bar = ProgressBar(
            sys.stderr, enabled=show == "always" or (show == "auto" and sys.stderr.isatty())
        )
        export = self._read(path, options["format"], bar)
        mapped = export_map(
            export=export, group_map=group_map, acr_levels=keyway_settings.POLICY_ACR_BY_LEVEL
        )
        export.objects.clear()  # the plan has what the store needs: free the parsed objects
        result = policy_store_sync(
            plan=mapped.plan, prune=options["prune"], dry_run=options["dry_run"]
        )
        if not options["dry_run"] and result.changed:
            event_record(
                type="policies.siteminder_imported",
                outcome=Outcome.SUCCESS,
                data={"export": path.name, "summary": result.counts, "issues": len(mapped.issues)},
            )
        if options["report"] or options["html_report"]:
            report = report_build(
                source=str(path),
                export=export,
                mapped=mapped,
                result=result,
                dry_run=options["dry_run"],
                prune=options["prune"],
            )
            if options["report"]:
                report_write_json(report, options["report"])
            if options["html_report"]:
                report_write_html(report, options["html_report"])
        self._print(result, mapped, export, options)

    def _read(self, path: Path, fmt: str | None, bar: ProgressBar) -> Export:
        try:
            with path.open("rb") as stream:
                total = max(os.fstat(stream.fileno()).st_size, 1)
                fmt = fmt or _format_of(path, stream)
                if fmt == "json":
                    export = rest_json.parse(stream)
                else:

                    def progress(objects: int) -> None:
                        done = min(stream.tell(), total) / total
                        bar.show(done, f"{objects:,} objects ({objects / bar.elapsed():,.0f}/s)")

                    export = xps_xml.parse(stream, progress=progress)
                bar.show(1.0, f"{len(export.objects):,} objects read", final=True)
                return export
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        except ExportError as error:
            raise CommandError(f"{path}: {error}") from None

    def _print(self, result: SyncResult, mapped: Mapped, export: Export, options: dict) -> None:
        out, verbose = self.stdout, options["verbosity"] > 1
        out.write("Plan (dry run, nothing written):" if options["dry_run"] else "Imported:")
        for kind, counts in result.counts.items():
            out.write(
                f"  {kind:<17} create {counts['create']:>6}  update {counts['update']:>6}  "
                f"unchanged {counts['unchanged']:>6}  gone {counts['gone']:>6}"
            )
        changes = result.changes
        for change in changes if verbose else changes[:SHOWN]:
            fields = ", ".join(f"{k}: {v[0]!r} → {v[1]!r}" for k, v in change.fields.items())
            out.write(
                f"  {change.action:<6} {change.kind} {change.xid} {change.name!r}"
                + (f" ({fields})" if fields else "")
            )
        if len(changes) > SHOWN and not verbose:
            out.write(f"  … and {len(changes) - SHOWN} more changes (see --report)")
        issues = mapped.issues
        out.write(f"{len(issues)} object(s) not carried over faithfully")
        for issue in issues if verbose else issues[:SHOWN]:
            out.write(f"  {issue.code}: {issue.cls} {issue.xid} {issue.name!r}: {issue.message}")
        if len(issues) > SHOWN and not verbose:
            out.write(f"  … and {len(issues) - SHOWN} more (see --report)")
        if export.oddities:
            out.write(f"{len(export.oddities)} unknown element(s)/attribute(s) ignored")
