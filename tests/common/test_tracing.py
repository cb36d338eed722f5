"""OpenTelemetry tracing (issue 8): off by default (the SDK is never imported); on, every
request is a server span whose trace id is the one the log lines carry.

Each case runs in a fresh interpreter: a process has one global tracer provider, and the
Django instrumentation rewrites the middleware list once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_REQUEST_WITH_IN_MEMORY_EXPORTER = """
import json, django, structlog
django.setup()
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from apps.common.tracing import tracing_setup
exporter = InMemorySpanExporter()
assert tracing_setup(exporter=exporter)
from django.test import Client
response = Client().get("/healthz", HTTP_X_REQUEST_ID="req-span")
spans = exporter.get_finished_spans()
print(json.dumps({
    "status": response.status_code,
    "spans": [(s.name, s.kind.name, format(s.context.trace_id, "032x")) for s in spans],
    "logged_trace_id": structlog.contextvars.get_contextvars()["trace_id"],
    "service": spans[0].resource.attributes.get("service.name") if spans else None,
}))
"""

_LOAD_WSGI = """
import json, sys
import config.wsgi
from opentelemetry import trace
print(json.dumps({
    "sdk_loaded": "opentelemetry.sdk.trace" in sys.modules,
    "provider": type(trace.get_tracer_provider()).__name__,
}))
"""


def _run(script: str, **env: str) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OTEL_") and key != "KEYWAY_TRACING"
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.test", **env)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_tracing_on_a_request_produces_a_server_span_joined_to_the_logs():
    outcome = _run(_REQUEST_WITH_IN_MEMORY_EXPORTER)
    assert outcome["status"] == 200
    [(name, kind, trace_id)] = outcome["spans"]
    assert kind == "SERVER"
    assert "healthz" in name
    assert outcome["logged_trace_id"] == trace_id
    assert outcome["service"] == "keyway"


def test_without_tracing_the_wsgi_application_never_loads_the_sdk():
    outcome = _run(_LOAD_WSGI)
    assert outcome == {"sdk_loaded": False, "provider": "ProxyTracerProvider"}


def test_an_otlp_endpoint_in_the_environment_switches_tracing_on_at_wsgi_start_up():
    # Nothing listens there; no span is made, so nothing is sent at exit.
    outcome = _run(_LOAD_WSGI, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9")
    assert outcome == {"sdk_loaded": True, "provider": "TracerProvider"}


def test_keyway_tracing_zero_keeps_it_off_despite_an_endpoint():
    outcome = _run(_LOAD_WSGI, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9", KEYWAY_TRACING="0")
    assert outcome["sdk_loaded"] is False
