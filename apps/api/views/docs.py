"""/api/schema (OpenAPI 3, drf-spectacular) and /api/docs: a plain page listing every
operation from that schema — no JavaScript, so nothing for the strict CSP to block and
no CDN (drf-spectacular-sidecar, which would carry Swagger UI/Redoc, is not installed)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONOpenAPIRenderer


class SchemaView(SpectacularAPIView):
    """The schema is public: it describes the API, it grants nothing."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    renderer_classes = [JSONOpenAPIRenderer]


def docs(request: HttpRequest) -> HttpResponse:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations: list[dict[str, Any]] = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            scopes = [
                s for req in operation.get("security", []) for s in req.get("clientCredentials", [])
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": operation.get("operationId", ""),
                    "summary": (operation.get("description") or "").strip().split("\n")[0],
                    "scopes": ", ".join(scopes),
                    "statuses": ", ".join(sorted(operation.get("responses", {}))),
                }
            )
    return render(request, "api/docs.html", {"operations": operations, "info": schema["info"]})
