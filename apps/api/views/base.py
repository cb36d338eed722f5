"""What every API view shares: writes in one transaction (rolled back on any error
answer), Idempotency-Key on POST, RateLimit headers, an audit event per write."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404, HttpResponse
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api import idempotency
from apps.api.services import api_write_record
from apps.api.throttling import ratelimit_headers


def found(value: Any) -> Any:
    """The looked-up object, or a 404 problem when the selector found nothing."""
    if value is None:
        raise Http404
    return value


class ApiView(GenericAPIView):
    _claim: idempotency.Claim | None = None
    # POST answers that carry a secret shown once: never kept for Idempotency-Key replays.
    answers_with_secret = False
    # No OPTIONS self-description (DRF's needs a serializer per view): the OpenAPI document
    # at /api/schema describes every operation; OPTIONS is a 405 problem.
    metadata_class = None

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method in SAFE_METHODS or request.method not in self._allowed_upper():
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                # Nothing half-written: a refused or failed write leaves no trace but its
                # audit event (recorded below, outside this transaction).
                transaction.set_rollback(True)
        api_write_record(
            request=self.request, operation=type(self).__name__, status=response.status_code
        )
        return response

    def _allowed_upper(self) -> set[str]:
        return {m.upper() for m in self.http_method_names if hasattr(self, m)}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self._claim = idempotency.claim(request, keeps_body=not self.answers_with_secret)

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, idempotency.Replay):
            response = HttpResponse(exc.body, status=exc.status, content_type=exc.content_type)
            response["Idempotent-Replayed"] = "true"
            if exc.location:
                response["Location"] = exc.location
            return response
        return super().handle_exception(exc)

    def finalize_response(
        self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in ratelimit_headers(request).items():
            response[name] = value
        response["Cache-Control"] = "no-store"
        if self._claim is not None and isinstance(response, Response):
            response.render()
            idempotency.record(
                self._claim,
                status=response.status_code,
                body=response.content,
                content_type=response["Content-Type"],
                location=response.get("Location", ""),
            )
            self._claim = None
        return response

    # --- helpers for subclasses ------------------------------------------------------------
    def valid(self, serializer_class: type, data: Any = None, **kwargs: Any) -> dict:
        serializer = serializer_class(data=self.request.data if data is None else data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def out(self, serializer_class: type, instance: Any, status: int = 200, **kw: Any) -> Response:
        return Response(serializer_class(instance).data, status=status, **kw)

    def page(self, queryset: Any, serializer_class: type) -> Response:
        items = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(items, many=True).data)
