"""Import users exported from the legacy Node.js auth service.

    manage.py import_users FILE [--format jsonl|csv] [--dry-run] [--report FILE.json]
        [--pbkdf2-iterations N] [--pbkdf2-keylen N] [--pbkdf2-digest sha256]
        [--pbkdf2-encoding hex|base64] [--batch-size N] [--start-line N | --resume]

Record format: ``apps.accounts.importers.users``; write rules: ``apps.accounts.import_services``.

Every batch of records is one transaction. After each committed batch the command writes
``<report>.checkpoint`` (JSON: file, next_line, counts so far) when ``--report`` is given;
``--resume`` reads it and goes on from ``next_line`` (same as ``--start-line next_line``).
Lines before the start line are still parsed, so duplicates across it are still caught, but
not written. The checkpoint is deleted when the import completes. Re-running from the start
is always correct too: an unchanged record is not written again.

The report (JSON) lists every rejected record with its line number and reason, and the
summary: created / updated / unchanged / rejected. Rejected records never stop the good
ones; a bad command line, an unreadable file or checkpoint exits with status 1 and a
one-line message, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.hashers import LegacyPbkdf2PasswordHasher as PLM
from apps.accounts.import_services import BATCH_SIZE, ImportSummary, users_import
from apps.accounts.importers.users import FORMATS, Pbkdf2Defaults, Rejected, records_parse
from apps.common.progress import ProgressBar


class Progress:
    """Progress by bytes read from the export, with the record rate."""

    def __init__(self, stream: IO[bytes], total: int, out: IO[str], enabled: bool) -> None:
        self.stream, self.total = stream, max(total, 1)
        self.bar = ProgressBar(out, enabled=enabled)

    def update(self, summary: ImportSummary, *, final: bool = False) -> None:
        try:
            done = self.total if final else min(self.stream.tell(), self.total)
        except (OSError, ValueError):
            done = 0
        records = summary.created + summary.updated + summary.unchanged + summary.rejected
        rate = records / self.bar.elapsed()
        self.bar.show(done / self.total, f"{records:,} records ({rate:,.0f}/s)", final=final)


def _positive(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Import users from a legacy JSONL or CSV export (bcrypt and PBKDF2 hashes kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the export, UTF-8 JSONL or CSV")
        parser.add_argument("--format", choices=FORMATS, help="default: from the file name")
        parser.add_argument("--dry-run", action="store_true", help="validate, write nothing")
        parser.add_argument("--report", type=Path, help="write a JSON report here")
        parser.add_argument("--batch-size", type=_positive, default=BATCH_SIZE)
        start = parser.add_mutually_exclusive_group()
        start.add_argument("--start-line", type=_positive, default=1)
        start.add_argument("--resume", action="store_true", help="go on from <report>.checkpoint")
        parser.add_argument("--pbkdf2-iterations", type=_positive, default=PLM.default_iterations)
        parser.add_argument("--pbkdf2-keylen", type=_positive, default=PLM.default_keylen)
        parser.add_argument("--pbkdf2-digest", choices=PLM.digests, default=PLM.default_digest)
        parser.add_argument("--pbkdf2-encoding", choices=("hex", "base64"), default="hex")
        parser.add_argument(
            "--progress",
            choices=("auto", "always", "never"),
            default="auto",
            help="progress bar on stderr (auto: when stderr is a terminal)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        fmt = options["format"] or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
        report: Path | None = options["report"]
        checkpoint = report.with_name(report.name + ".checkpoint") if report else None
        start_line = options["start_line"]
        if options["resume"]:
            start_line = self._resume_line(checkpoint, path)
        if options["pbkdf2_iterations"] > PLM.max_iterations:
            raise CommandError(f"--pbkdf2-iterations must be at most {PLM.max_iterations}")
        if options["pbkdf2_keylen"] > PLM.max_keylen:
            raise CommandError(f"--pbkdf2-keylen must be at most {PLM.max_keylen}")
        defaults = Pbkdf2Defaults(
            iterations=options["pbkdf2_iterations"],
            keylen=options["pbkdf2_keylen"],
            digest=options["pbkdf2_digest"],
            encoding=options["pbkdf2_encoding"],
        )
        try:
            stream = path.open("rb")
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None

        rejected: list[dict] = []
        dry_run = options["dry_run"]
        show = options["progress"]
        progress = Progress(
            stream,
            os.fstat(stream.fileno()).st_size,
            sys.stderr,
            show == "always" or (show == "auto" and sys.stderr.isatty()),
        )

        def on_rejected(item: Rejected) -> None:
            entry = {"line": item.line, "reason": item.reason}
            if item.email:
                entry["email"] = item.email
            rejected.append(entry)

        def on_batch(summary: ImportSummary) -> None:
            progress.update(summary)
            if checkpoint is not None and not dry_run:
                data = {"file": str(path.resolve()), "next_line": summary.last_line + 1}
                data["summary"] = summary.as_dict()
                tmp = checkpoint.with_name(checkpoint.name + ".tmp")
                try:
                    tmp.write_text(json.dumps(data))
                    tmp.replace(checkpoint)
                except OSError as error:
                    raise CommandError(f"cannot write {checkpoint}: {error.strerror}") from None

        items = (
            item
            for item in records_parse(stream, format=fmt, defaults=defaults)
            if item.line >= start_line
        )
        started = time.monotonic()
        with stream:
            summary = users_import(
                items,
                dry_run=dry_run,
                batch_size=options["batch_size"],
                on_rejected=on_rejected,
                on_batch=on_batch,
            )
        seconds = time.monotonic() - started
        progress.update(summary, final=True)

        result = {
            "file": str(path),
            "format": fmt,
            "dry_run": dry_run,
            "start_line": start_line,
            "summary": {key: getattr(summary, key) for key in _COUNTS},
            "seconds": round(seconds, 3),
            "rejected": rejected,
        }
        if report is not None:
            try:
                report.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
                if checkpoint is not None and checkpoint.exists():
                    checkpoint.unlink()
            except OSError as error:
                raise CommandError(f"cannot write {report}: {error.strerror}") from None
        prefix = "Dry run, nothing written: " if dry_run else ""
        counts = ", ".join(f"{getattr(summary, key):,} {key}" for key in _COUNTS)
        self.stdout.write(f"{prefix}{counts} in {seconds:.1f}s.")
        for entry in rejected[:20]:
            self.stderr.write(f"line {entry['line']}: {entry['reason']}")
        if len(rejected) > 20:
            self.stderr.write(f"... and {len(rejected) - 20} more (see --report)")

    @staticmethod
    def _resume_line(checkpoint: Path | None, path: Path) -> int:
        if checkpoint is None:
            raise CommandError("--resume needs --report (the checkpoint is kept next to it)")
        try:
            data = json.loads(checkpoint.read_text())
        except FileNotFoundError:
            raise CommandError(f"no checkpoint at {checkpoint}: nothing to resume") from None
        except (OSError, ValueError) as error:
            raise CommandError(f"unreadable checkpoint {checkpoint}: {error}") from None
        if not isinstance(data, dict) or data.get("file") != str(path.resolve()):
            raise CommandError(f"{checkpoint} is for another file")
        line = data.get("next_line")
        if not isinstance(line, int) or line < 1:
            raise CommandError(f"unreadable checkpoint {checkpoint}")
        return line


_COUNTS = ("created", "updated", "unchanged", "rejected")
