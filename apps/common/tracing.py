"""OpenTelemetry tracing, switched on by the environment (``KEYWAY["TRACING"]``: set by
``KEYWAY_TRACING=1`` or by naming an ``OTEL_EXPORTER_OTLP_ENDPOINT``).

Set up by the process entry points (``config/wsgi.py``, ``config/asgi.py``, the Celery
worker), never when the settings are imported: management commands and tests stay free of
the SDK unless they ask. Spans go to the OTLP/HTTP exporter, which reads the standard
``OTEL_EXPORTER_OTLP_*`` variables; the Django instrumentation adds one server span per
request. The batch processor restarts its thread after a fork (gunicorn ``preload_app``,
Celery prefork), so setting up in the parent is safe.
"""

from __future__ import annotations

import os
from typing import Any

from apps.common.conf import keyway_settings

_enabled = False


def tracing_setup(*, exporter: Any = None) -> bool:
    """Install the SDK tracer provider and instrument Django when tracing is on; returns
    whether it is. ``exporter`` replaces OTLP (tests pass the SDK's in-memory exporter,
    exported synchronously). Must run before the WSGI/ASGI handler loads its middleware."""
    global _enabled
    if _enabled:
        return True
    if not (keyway_settings.TRACING or exporter is not None):
        return False
    from opentelemetry import trace
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    # OTEL_SERVICE_NAME, when set, names the service (the SDK reads it); else "keyway".
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": "keyway"}
    provider = TracerProvider(resource=Resource.create(attributes))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument(tracer_provider=provider)
    _enabled = True
    return True


def current_trace_id() -> str | None:
    """The current span's trace id (32 hex digits) when tracing is on, else None."""
    if not _enabled:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
