"""Keyway's own Prometheus counters, exported at ``/metrics`` beside django-prometheus's.

Labels take a handful of fixed values (never a user, client or IP), so every series stays
bounded. Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` before start:
prometheus_client then writes each worker's values to that directory and the exporter view
adds them up (deploy/README.md).
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, multiprocess, start_http_server

SIGNINS = Counter(
    "keyway_signins_total",
    "Password and federated sign-ins by outcome (success, failure, throttled).",
    ["outcome"],
)
TOKENS_ISSUED = Counter(
    "keyway_tokens_issued_total",
    "Token endpoint answers that issued tokens, by grant type.",
    ["grant_type"],
)
LOGOUT_DELIVERIES = Counter(
    "keyway_logout_deliveries_total",
    "Logout notifications finished, by channel and outcome (delivered, failed).",
    ["channel", "outcome"],
)
POLICY_DECISIONS = Counter(
    "keyway_policy_decisions_total",
    "Access-policy decisions (forward-auth and policy checks), by outcome (allowed, denied).",
    ["outcome"],
)

_GRANTS = frozenset(
    {"authorization_code", "refresh_token", "client_credentials", "password", "implicit"}
)


def signin_count(*, outcome: str) -> None:
    SIGNINS.labels(outcome=outcome).inc()


def token_issued_count(*, grant_type: str) -> None:
    TOKENS_ISSUED.labels(grant_type=grant_type if grant_type in _GRANTS else "other").inc()


def logout_delivery_count(*, channel: str, delivered: bool) -> None:
    LOGOUT_DELIVERIES.labels(channel=channel, outcome="delivered" if delivered else "failed").inc()


def policy_decision_count(*, allowed: bool) -> None:
    POLICY_DECISIONS.labels(outcome="allowed" if allowed else "denied").inc()


def metrics_registry() -> CollectorRegistry:
    """What to expose: every process's values in multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def metrics_server_start(*, port: int, address: str = "0.0.0.0") -> None:  # noqa: S104
    """Serve /metrics from a Celery worker (its counters, e.g. logout deliveries, are
    counted there, not in the web processes): KEYWAY_WORKER_METRICS_PORT."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
    start_http_server(port, addr=address, registry=metrics_registry())
