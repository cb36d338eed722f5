"""Import jobs: a SiteMinder export handed over through the management API and imported
by a Celery worker, with its status and report kept for the operator to read."""

from __future__ import annotations

import uuid

from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ImportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    export_name = models.CharField(max_length=255, blank=True)
    export_format = models.CharField(max_length=4, blank=True, help_text="xml or json")
    # The export itself, kept only until the job has run.
    export_data = models.BinaryField(blank=True, default=b"", editable=False)
    dry_run = models.BooleanField(default=False)
    prune = models.BooleanField(default=False)
    requested_by = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.export_name or self.pk} ({self.status})"
