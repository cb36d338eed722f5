"""/api/v1/siteminder-imports: upload an export, a Celery worker imports it; poll the job
for its status and report."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.pagination import CreatedNewestFirstPagination
from apps.api.parsers import BoundedMultiPartParser
from apps.api.serializers import imports as s
from apps.api.views.base import ApiView, found
from apps.common.conf import keyway_settings
from apps.siteminder_import.selectors import import_job_get, import_jobs_list
from apps.siteminder_import.services import import_job_create


class ImportList(ApiView):
    pagination_class = CreatedNewestFirstPagination
    parser_classes = [BoundedMultiPartParser]

    @extend_schema(responses=s.ImportJobOut(many=True), operation_id="siteminder_imports_list")
    def get(self, request: Request) -> Response:
        return self.page(import_jobs_list(), s.ImportJobOut)

    @extend_schema(
        request={"multipart/form-data": s.ImportCreate},
        responses={202: s.ImportJobOut},
        operation_id="siteminder_imports_start",
    )
    def post(self, request: Request) -> Response:
        data = self.valid(s.ImportCreate)
        upload = data["file"]
        limit = keyway_settings.API_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError({"file": [f"The export is larger than {limit} bytes."]})
        job = import_job_create(
            data=upload.read(),
            name=(upload.name or "export").replace("\x00", ""),
            fmt=data.get("format", ""),
            dry_run=data["dry_run"],
            prune=data["prune"],
            requested_by=request.user.email,
            request=request,
        )
        return self.out(
            s.ImportJobOut, job, 202, headers={"Location": f"/api/v1/siteminder-imports/{job.pk}"}
        )


class ImportDetail(ApiView):
    @extend_schema(responses=s.ImportJobOut, operation_id="siteminder_imports_read")
    def get(self, request: Request, job_id: str) -> Response:
        return self.out(s.ImportJobOut, found(import_job_get(job_id=job_id)))
