"""The docker-compose file and the Dockerfile (issue 8). No Docker engine here: the compose
file is parsed and checked for its services and health checks, the Dockerfile's structure
is linted (stages, non-root user, collectstatic at build, gunicorn from its config)."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_beat_postgres_redis_and_a_migration():
    services = _compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis", "migrate"}
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]


def test_compose_services_have_health_checks_and_start_in_order():
    services = _compose()["services"]
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert "migrate" not in services["migrate"]["depends_on"]


def test_compose_keyway_containers_are_read_only_with_a_tmpfs():
    services = _compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["read_only"] is True
        assert services[name]["tmpfs"] == ["/tmp"]  # noqa: S108  (the container's own tmpfs)
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == (
            "config.settings.production"
        )


def _instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_is_multi_stage_and_runs_gunicorn_as_a_non_root_user():
    instructions = _instructions()
    stages = [args for op, args in instructions if op == "FROM"]
    assert len(stages) >= 2
    assert any(re.search(r"--from=build", args) for op, args in instructions if op == "COPY")
    final = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    users = [args for op, args in final if op == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert users[-1].split(":")[0].isdigit()  # runAsNonRoot can verify a numeric user
    [cmd] = [args for op, args in final if op == "CMD"]
    assert '"gunicorn", "-c", "deploy/gunicorn.conf.py"' in cmd


def test_dockerfile_collects_static_files_at_build_time():
    runs = " ".join(args for op, args in _instructions() if op == "RUN")
    assert "collectstatic --noinput" in runs


def test_gunicorn_config_prepares_the_prometheus_multiprocess_directory(tmp_path, monkeypatch):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_999.db").write_bytes(b"stale")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert directory.is_dir()
    assert list(directory.iterdir()) == []  # a previous run's values are not added in
    assert callable(config["child_exit"])
    assert config["preload_app"] is True
