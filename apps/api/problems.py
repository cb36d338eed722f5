"""Errors as RFC 9457 problem details (``application/problem+json``).

Every 4xx/5xx of the API has ``type``, ``title``, ``status`` and ``detail``; a validation
error adds ``errors``: one ``{"field", "pointer", "detail"}`` per problem, the pointer
being a JSON Pointer (RFC 6901) into the request body, as in RFC 9457 section 3's example.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:keyway:problem:"

# Each problem type: its URN slug and human title (RFC 9457 section 3.1).
TITLES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "The request is not valid"),
    401: ("unauthenticated", "Authentication is needed"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Nothing here"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "No acceptable representation"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "The request body is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("idempotency-key-reused", "Idempotency-Key reused with another request"),
    429: ("rate-limited", "Too many requests"),
    500: ("server-error", "Server error"),
}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the resource's current state."
    default_code = "conflict"


class UnprocessableIdempotencyKey(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used with a different request."
    default_code = "idempotency_key_reused"


def field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten DRF's nested error detail into ``{"field", "pointer", "detail"}`` items."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            items += field_errors(value, f"{prefix}/{name}" if name else prefix)
        return items
    if isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            return [_field_error(prefix, str(v)) for v in detail]
        items = []
        for index, value in enumerate(detail):
            items += field_errors(value, f"{prefix}/{index}")
        return items
    return [_field_error(prefix, str(detail))]


def _field_error(pointer: str, message: str) -> dict[str, str]:
    field = pointer.lstrip("/").replace("/", ".")
    return {"field": field or "body", "pointer": f"#{pointer}", "detail": message}


def problem_response(
    status_code: int, detail: str, *, errors: list | None = None, headers: dict | None = None
) -> Response:
    slug, title = TITLES.get(status_code, ("error", "Error"))
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{slug}" if errors is None else f"{TYPE_PREFIX}validation",
        "title": title if errors is None else "The request has invalid fields",
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception becomes a problem; unexpected ones are
    logged with their traceback and answered with a bare 500 (no internals leak)."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):  # a multipart form field over Django's bound
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):  # e.g. too many multipart fields or files
        exc = exceptions.ParseError("The request is malformed.")
    response = exception_handler(exc, context)  # Http404/PermissionDenied/APIException
    if response is None:
        logger.exception("management API error", exc_info=exc)
        return problem_response(500, "An unexpected error occurred; it has been logged.")
    headers = {
        k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        detail = "; ".join(f"{e['field']}: {e['detail']}" for e in errors) or "Invalid input."
        return problem_response(response.status_code, detail, errors=errors, headers=headers)
    if isinstance(exc, Http404):
        detail = "No such resource."
    elif isinstance(exc, DjangoPermissionDenied):
        detail = "You do not have permission to do that."
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return problem_response(response.status_code, str(detail), headers=headers)
