"""Structured logs (issue 8): JSON lines through one pipeline, each with request_id and
trace_id; X-Request-ID taken when well-formed and echoed; audit events keep their fields."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import structlog

from apps.common.logs import celery_task_context_bind, celery_task_context_clear
from tests.helpers import sign_in

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@contextmanager
def rendered(logger_name: str) -> Iterator[list[dict]]:
    """The lines ``logger_name`` writes meanwhile, rendered by the formatter the console
    handler uses (the deployment's pipeline) and parsed back from JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.getLogger("keyway.audit").handlers[0].formatter)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
    lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def test_a_well_formed_request_id_is_kept_and_echoed(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-42.abc")
    assert response["X-Request-ID"] == "edge-42.abc"


@pytest.mark.parametrize("header", ["", "has space", "x" * 200, "<script>", "a\u00e9"])
def test_a_missing_or_malformed_request_id_is_replaced_by_a_generated_one(client, db, header):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=header)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_audit_lines_are_json_with_their_fields_and_the_request_and_trace_ids(client, user):
    with rendered("keyway.audit") as lines:
        sign_in(
            client, user.email, "wrong", HTTP_X_REQUEST_ID="req-1", HTTP_TRACEPARENT=TRACEPARENT
        )
    line = lines[-1]
    assert line["event"] == "audit"
    assert (line["type"], line["outcome"]) == ("signin", "failure")
    assert line["actor_email"] == user.email
    assert line["data"] == {"reason": "invalid_credentials"}
    assert {"id", "time", "ip", "actor_subject", "timestamp", "level"} <= set(line)
    assert (line["request_id"], line["trace_id"]) == ("req-1", TRACE_ID)


def test_standard_library_lines_take_the_same_pipeline_and_ids(client, db):
    with rendered("django.request") as lines:
        client.get("/no-such-page", HTTP_X_REQUEST_ID="req-404")
    line = lines[-1]
    assert line["logger"] == "django.request"
    assert line["level"] == "warning"
    assert "Not Found" in line["event"]
    # No traceparent and no tracing: the trace id falls back to the request id.
    assert (line["request_id"], line["trace_id"]) == ("req-404", "req-404")


def test_a_malformed_traceparent_is_ignored(client, db):
    client.get("/healthz", HTTP_X_REQUEST_ID="req-2", HTTP_TRACEPARENT="00-zz-00-01")
    assert structlog.contextvars.get_contextvars()["trace_id"] == "req-2"
    client.get(
        "/healthz", HTTP_X_REQUEST_ID="req-3", HTTP_TRACEPARENT=f"00-{'0' * 32}-{'1' * 16}-01"
    )
    assert structlog.contextvars.get_contextvars()["trace_id"] == "req-3"


def test_a_celery_task_binds_its_id_and_lines_outside_any_context_carry_null_ids():
    logger = logging.getLogger("keyway.test")
    logger.setLevel(logging.INFO)
    structlog.contextvars.clear_contextvars()
    with rendered("keyway.test") as lines:
        celery_task_context_bind(task_id="task-7")
        logger.info("inside")
        celery_task_context_clear()
        logger.info("outside")
    inside, outside = lines
    assert (inside["request_id"], inside["trace_id"]) == ("task-7", "task-7")
    assert (outside["request_id"], outside["trace_id"]) == (None, None)
