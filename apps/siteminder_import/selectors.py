"""Reads of import jobs."""

from __future__ import annotations

import uuid

from apps.siteminder_import.models import ImportJob


def import_job_get(*, job_id: uuid.UUID | str) -> ImportJob | None:
    return ImportJob.objects.defer("export_data").filter(pk=job_id).first()


def import_jobs_list():
    return ImportJob.objects.defer("export_data").order_by("-created_at", "-id")
