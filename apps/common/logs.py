"""Structured logs: every line one JSON object carrying ``request_id`` and ``trace_id``.

structlog renders both its own loggers and the standard library's (Django, Celery,
gunicorn's error log when it propagates) through one ``ProcessorFormatter``, so a log
shipper (Splunk, Datadog) sees a single format. The ids live in context variables bound
by :class:`apps.common.middleware.RequestIdMiddleware` for a web request and by the
Celery signals below for a task, so every line logged while handling one carries them.

This module is imported by the settings (``logging_config``): it must not import Django
models or anything that reads settings at import time.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import Any

import structlog

# X-Request-ID is free-form by convention; accept only what is safe to echo and to log.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
# W3C Trace Context: version-traceid-parentid-flags; an all-zero trace id is invalid.
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_IDS = ("request_id", "trace_id")


def request_id_from(header: str) -> str:
    """The incoming X-Request-ID when well-formed, else a new one (a UUID4 in hex)."""
    candidate = header.strip()
    return candidate if _REQUEST_ID.match(candidate) else uuid.uuid4().hex


def trace_id_from_traceparent(header: str) -> str | None:
    """The trace id of a W3C ``traceparent`` header (Trace Context section 3.2), or None."""
    match = _TRACEPARENT.match(header.strip().lower())
    if match is None or set(match[1]) == {"0"}:
        return None
    return match[1]


def log_context_bind(*, request_id: str, trace_id: str) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id, trace_id=trace_id)


def log_context_clear() -> None:
    structlog.contextvars.clear_contextvars()


def _ids_always_present(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Lines logged outside a request or task still carry both keys, as null."""
    for name in _IDS:
        event.setdefault(name, None)
    return event


# Run on every event, whether from structlog or the standard library.
SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _ids_always_present,
]


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """A ``LOGGING`` dict: ``fmt`` is ``json`` (deployments) or ``console`` (people)."""
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "console"
        else structlog.processors.JSONRenderer(sort_keys=True, default=str)
    )
    formatter = {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": SHARED_PROCESSORS,
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Audit events are always written, whatever the root level (Splunk/Datadog).
            "keyway.audit": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def structlog_configure() -> None:
    """structlog's own loggers hand their event dicts to the standard library's handlers
    (and so to ``logging_config``'s formatter). Idempotent; called from AppConfig.ready()."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


_task_bound: ContextVar[bool] = ContextVar("keyway_task_log_context", default=False)


def celery_task_context_bind(task_id: str | None = None, **_kwargs: Any) -> None:
    """Celery ``task_prerun``: a task's lines carry its task id as request and trace id.
    An eager task run inside a web request keeps the request's ids."""
    if structlog.contextvars.get_contextvars().get("request_id"):
        return
    task = task_id or uuid.uuid4().hex
    log_context_bind(request_id=task, trace_id=task)
    _task_bound.set(True)


def celery_task_context_clear(**_kwargs: Any) -> None:
    """Celery ``task_postrun``: forget what ``celery_task_context_bind`` bound."""
    if _task_bound.get():
        log_context_clear()
        _task_bound.set(False)
