"""/api/v1/siteminder-imports: an export uploaded becomes a Celery job; its report is read
back, and the imported policies through /api/v1/policies/... (read-only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.audit.models import Event
from apps.siteminder_import.tasks import import_job_execute
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db
EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "siteminder" / "synthetic_export.xml"
URL = "/api/v1/siteminder-imports"


def _work(queued, callbacks: list) -> None:
    """Run the job as a worker would once the request committed (the suite also runs with
    a real broker and no worker, where ``delay`` only queues)."""
    assert queued.status_code == 202, queued.content
    assert len(callbacks) == 1  # handed to Celery only once committed
    import_job_execute.apply(args=[queued.json()["id"]])


def _upload(api, content: bytes, name: str = "export.xml", **fields):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return api.http.post(URL, {"file": upload, **fields}, HTTP_AUTHORIZATION=f"Bearer {api.token}")


def test_import_runs_as_a_job_and_reports(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        queued = _upload(api, EXPORT.read_bytes())
    _work(queued, callbacks)
    assert queued.status_code == 202, queued.content
    assert queued.json()["status"] == "queued"
    job = api.get(queued["Location"]).json()
    assert job["status"] == "succeeded", job
    assert job["export_format"] == "xml"
    assert job["report"]["summary"]
    assert job["requested_by"] == f"client:{api.registered.client_id}"
    assert api.get(URL).json()["results"][0]["id"] == job["id"]
    assert Event.objects.filter(type="policies.siteminder_imported", outcome="success").exists()

    applications = api.get("/api/v1/policies/applications").json()["results"]
    assert applications
    realms = api.get("/api/v1/policies/realms", {"application": applications[0]["id"]}).json()
    assert all(r["application"] == applications[0]["id"] for r in realms["results"])
    assert api.get("/api/v1/policies/rules").json()["results"]
    assert api.get("/api/v1/policies/policies").json()["results"]


def test_dry_run_writes_no_policies(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        queued = _upload(api, EXPORT.read_bytes(), dry_run="true")
    _work(queued, callbacks)
    assert api.get(queued["Location"]).json()["status"] == "succeeded"
    assert api.get("/api/v1/policies/applications").json()["results"] == []


def test_an_unreadable_export_fails_the_job_with_its_reason(
    api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        queued = _upload(api, b"<XPSExport><unclosed>", name="broken.xml")
    _work(queued, callbacks)
    job = api.get(queued["Location"]).json()
    assert job["status"] == "failed"
    assert job["error"]
    assert job["report"] is None


def test_upload_needs_a_file_and_multipart(api):
    body = assert_problem(_upload_without_file(api), 400)
    assert body["errors"][0]["field"] == "file"
    assert_problem(api.post(URL, {"file": "x"}), 415)


def _upload_without_file(api):
    return api.http.post(URL, {"dry_run": "true"}, HTTP_AUTHORIZATION=f"Bearer {api.token}")


def test_too_large_an_export_is_refused(api, settings):
    settings.KEYWAY = {**settings.KEYWAY, "API_IMPORT_MAX_BYTES": 100}
    assert_problem(_upload(api, b"x" * 1000), 413)


def test_policies_are_read_only(api):
    assert_problem(api.post("/api/v1/policies/policies", {}), 405)
    assert_problem(api.get(f"{URL}/00000000-0000-4000-8000-000000000000"), 404)


def test_a_multipart_flood_is_a_400_not_a_500(api):
    fields = {f"f{n}": "x" for n in range(500)}
    assert_problem(_upload(api, b"<x/>", **fields), 400)


def test_an_oversized_form_field_is_a_413(api):
    assert_problem(_upload(api, b"<x/>", format="x" * (300 * 1024)), 413)
