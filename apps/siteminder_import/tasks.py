"""Celery tasks of the SiteMinder import."""

from __future__ import annotations

from celery import shared_task

from apps.siteminder_import.services import import_job_run


@shared_task(name="siteminder_import.import_job_execute")
def import_job_execute(job_id: str) -> str | None:
    job = import_job_run(job_id=job_id)
    return job.status if job is not None else None
