"""Request correlation: a request id and a trace id bound to every log line of a request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.common.logs import log_context_bind, request_id_from, trace_id_from_traceparent
from apps.common.tracing import current_trace_id


class RequestIdMiddleware:
    """Takes ``X-Request-ID`` from the client or proxy when well-formed (else makes one),
    echoes it on the response, and binds it with the trace id for the log lines.

    The trace id is, in order: the OpenTelemetry span's when tracing is on (the Django
    instrumentation's middleware runs before this one), the incoming W3C ``traceparent``'s,
    else the request id, so a line can always be joined to its request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID", ""))
        trace_id = (
            current_trace_id()
            or trace_id_from_traceparent(request.META.get("HTTP_TRACEPARENT", ""))
            or request_id
        )
        request.request_id = request_id
        # Bound until the next request rebinds them, not cleared on the way out: Django
        # logs a 4xx/5xx response ("Not Found: ...") after every middleware has returned.
        log_context_bind(request_id=request_id, trace_id=trace_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
