"""The production process shape, started for real: gunicorn from deploy/gunicorn.conf.py with
two workers and production settings. The container health check passes (it names an
allowed host), /metrics adds up every worker's counts (Prometheus multiprocess mode), and
the application's log lines are JSON with request and trace ids."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
HOST = "id.example.com"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict]:
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "KEYWAY_ISSUER": f"https://{HOST}",
        "KEYWAY_CACHE_PREFIX": "keyway-test-gunicorn-shape",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path_factory.mktemp("prometheus")),
        "WEB_CONCURRENCY": "2",
        "PORT": str(port),
    }
    log = tmp_path_factory.mktemp("log") / "gunicorn.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while _healthcheck(env, "/healthz") != 0:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield {"env": env, "url": f"http://127.0.0.1:{port}", "log": log}
    finally:
        process.terminate()
        process.wait(timeout=30)


def _healthcheck(env: dict, path: str) -> int:
    return subprocess.run(
        [sys.executable, "deploy/healthcheck.py", path], cwd=ROOT, env=env, check=False
    ).returncode


def test_the_container_health_check_passes_by_naming_an_allowed_host(server):
    assert _healthcheck(server["env"], "/healthz") == 0
    # Why it names the host: Django refuses a Host outside DJANGO_ALLOWED_HOSTS.
    assert httpx.get(f"{server['url']}/healthz").status_code == 400


def test_metrics_are_read_from_the_workers_shared_multiprocess_directory(server):
    headers = {"Host": HOST}
    for _ in range(20):
        assert httpx.get(f"{server['url']}/healthz", headers=headers).status_code == 200
    body = httpx.get(f"{server['url']}/metrics", headers=headers).text
    [total] = [
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "django_http_requests_total_by_method_total"
        and sample.labels == {"method": "GET"}
    ]
    assert total >= 20
    assert len(list(Path(server["env"]["PROMETHEUS_MULTIPROC_DIR"]).glob("counter_*.db"))) >= 2


def test_application_lines_are_json_with_the_request_id(server):
    httpx.get(f"{server['url']}/no-such-page", headers={"Host": HOST, "X-Request-ID": "shape-1"})
    time.sleep(0.5)
    lines = [line for line in server["log"].read_text().splitlines() if line.startswith("{")]
    [line] = [json.loads(line) for line in lines if "shape-1" in line]
    assert (line["logger"], line["request_id"], line["trace_id"]) == (
        "django.request",
        "shape-1",
        "shape-1",
    )
