"""Import relying parties exported from the legacy Node.js auth service.

    manage.py import_clients clients.json [--dry-run] [--report report.json]

The file is a JSON array of client objects or JSON Lines (see
``apps/oidc_provider/importers/clients.py`` for the fields). Each relying party keeps its
``client_id`` and secret, so it switches to Keyway by changing the issuer URL only. The
whole run is one transaction; ``--dry-run`` checks everything and writes nothing. A
rejected record is listed with its position and reason while the others import.

Exit status: 0 when every record was imported (or already was), 2 when some were rejected
(the good ones are imported), 1 when the file itself cannot be read (nothing is written).
No secret is ever printed or written to the report.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.common.progress import ProgressBar
from apps.oidc_provider.import_services import REJECTED, STATUSES, clients_import
from apps.oidc_provider.importers.clients import ClientFileError, parse_clients

EXIT_REJECTED = 2


class Command(BaseCommand):
    help = "Import OpenID Connect clients from the legacy service, keeping client_id and secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON array or JSON Lines file of legacy clients.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--report", metavar="FILE.json", help="Write every record's outcome as JSON here."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        try:
            parsed = parse_clients(data)
        except ClientFileError as exc:
            raise CommandError(f"{path}: {exc} Nothing was imported.") from exc

        bar = ProgressBar(sys.stderr, enabled=sys.stderr.isatty())

        def progress(done: int, total: int) -> None:
            bar.show(done / max(total, 1), f"{done}/{total} clients", final=done == total)

        result = clients_import(parsed=parsed, dry_run=options["dry_run"], on_progress=progress)

        write = self.stdout.write
        for record in result.records:
            label = f"{record.position}: {record.client_id or '(no client_id)'}"
            if record.status == REJECTED:
                write(self.style.ERROR(f"{label}: rejected"))
                for reason in record.reasons:
                    write(f"    - {reason}")
            else:
                changed = f" ({', '.join(record.changed)})" if record.changed else ""
                write(f"{label}: {record.status}{changed}")
            for warning in record.warnings:
                write(self.style.WARNING(f"    ! {warning}"))
        summary = result.summary
        counts = ", ".join(f"{summary[status]} {status}" for status in STATUSES)
        prefix = "Dry run, nothing written: " if result.dry_run else ""
        write(self.style.SUCCESS(f"{prefix}{counts}."))

        if options["report"]:
            report = {"file": str(path), **result.as_dict()}
            try:
                Path(options["report"]).write_text(json.dumps(report, indent=2) + "\n")
            except OSError as exc:
                raise CommandError(
                    f"The import {'was checked' if result.dry_run else 'is done'}, but the "
                    f"report could not be written to {options['report']}: {exc.strerror or exc}."
                ) from exc
        if summary[REJECTED]:
            self.stdout.flush()
            sys.exit(EXIT_REJECTED)
