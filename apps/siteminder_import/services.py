"""Running a SiteMinder import from bytes: the management API's import jobs.

The same pipeline as ``manage.py import_siteminder``: parse (``parsers``), map
(``mapping.export_map``), write all or nothing (``policies.services.policy_store_sync``),
report (``report.report_build``).
"""

from __future__ import annotations

import io
import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.policies.services import policy_store_sync
from apps.siteminder_import.mapping import export_map
from apps.siteminder_import.models import ImportJob, JobStatus
from apps.siteminder_import.parsers import Export, ExportError, rest_json, xps_xml
from apps.siteminder_import.report import report_build

logger = logging.getLogger(__name__)


def export_format_sniff(data: bytes) -> str:
    """``json`` when the document starts like JSON, else ``xml`` (XPSExport)."""
    return "json" if data.lstrip()[:1] in (b"{", b"[") else "xml"


def export_import(
    *, data: bytes, fmt: str, name: str, dry_run: bool, prune: bool
) -> dict[str, Any]:
    """Import one export; returns the report. Raises ``ExportError`` for an unreadable
    export (nothing written)."""
    stream = io.BytesIO(data)
    export: Export = rest_json.parse(stream) if fmt == "json" else xps_xml.parse(stream)
    mapped = export_map(export=export, group_map={}, acr_levels=keyway_settings.POLICY_ACR_BY_LEVEL)
    result = policy_store_sync(plan=mapped.plan, prune=prune, dry_run=dry_run)
    if not dry_run and result.changed:
        event_record(
            type="policies.siteminder_imported",
            outcome=Outcome.SUCCESS,
            data={"export": name, "summary": result.counts, "issues": len(mapped.issues)},
        )
    return report_build(
        source=name, export=export, mapped=mapped, result=result, dry_run=dry_run, prune=prune
    )


def import_job_create(
    *,
    data: bytes,
    name: str,
    fmt: str = "",
    dry_run: bool = False,
    prune: bool = False,
    requested_by: str = "",
    request: HttpRequest | None = None,
) -> ImportJob:
    """Queue an import of ``data``; a Celery worker runs it once the job is committed."""
    from apps.siteminder_import.tasks import import_job_execute

    job = ImportJob.objects.create(
        export_name=name[:255],
        export_format=fmt or export_format_sniff(data),
        export_data=data,
        dry_run=dry_run,
        prune=prune,
        requested_by=requested_by[:254],
    )
    event_record(
        type="policies.siteminder_import_queued",
        outcome=Outcome.SUCCESS,
        request=request,
        data={"job": str(job.pk), "export": job.export_name, "by": requested_by},
    )
    transaction.on_commit(lambda: import_job_execute.delay(str(job.pk)))
    return job


def import_job_run(*, job_id: str) -> ImportJob | None:
    """Run a queued job (at most once: a redelivered task finds it no longer queued)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.get(pk=job_id)
    try:
        job.report = export_import(
            data=bytes(job.export_data),
            fmt=job.export_format,
            name=job.export_name,
            dry_run=job.dry_run,
            prune=job.prune,
        )
        job.status = JobStatus.SUCCEEDED
    except Exception as error:
        if not isinstance(error, ExportError):
            logger.exception("import job %s failed", job.pk)
        job.status, job.error = JobStatus.FAILED, (str(error) or type(error).__name__)[:2000]
        event_record(
            type="policies.siteminder_imported",
            outcome=Outcome.FAILURE,
            data={"job": str(job.pk), "export": job.export_name, "error": job.error},
        )
    job.finished_at = timezone.now()
    job.export_data = b""
    job.save(update_fields=["status", "report", "error", "finished_at", "export_data"])
    return job
