"""Import jobs (the management API's SiteMinder imports): queued, run once by the task,
failed with a reason, never left running."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.siteminder_import.selectors import import_job_get
from apps.siteminder_import.services import import_job_create, import_job_run
from apps.siteminder_import.tasks import import_job_execute

pytestmark = pytest.mark.django_db
EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "siteminder" / "synthetic_export.json"


def test_a_job_runs_once_and_drops_the_export(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = import_job_create(data=EXPORT.read_bytes(), name="export.json")
    assert len(callbacks) == 1  # queued once committed; run here as a worker would
    assert import_job_execute.apply(args=[str(job.pk)]).get() == "succeeded"
    assert job.export_format == "json"
    done = import_job_get(job_id=job.pk)
    assert done.status == "succeeded"
    assert done.report["export"] == "export.json"
    assert bytes(type(done).objects.get(pk=job.pk).export_data) == b""
    assert import_job_execute(str(job.pk)) is None  # a redelivered task does nothing


def test_an_unreadable_export_fails_with_its_reason():
    job = import_job_create(data=b'{"objects": [', name="broken.json")
    assert import_job_run(job_id=str(job.pk)).status == "failed"
    assert "JSON" in import_job_get(job_id=job.pk).error
