"""The benchmark harness itself runs: both servers start, wrk drives them, the report is
written. Not a timed test — the figures are not judged, only that they exist.

Runs where the harness can: PostgreSQL and Redis (the first CI pass), wrk, node. CI sets
KEYWAY_REQUIRE_BENCH=1 so a missing tool fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _ready() -> str | None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return "the harness runs on PostgreSQL (set DATABASE_URL)"
    missing = [tool for tool in ("wrk", "node", "npm", "psql", "openssl") if not shutil.which(tool)]
    return f"missing {', '.join(missing)}" if missing else None


def test_bench_harness_runs_keyway_and_oidc_provider_and_writes_the_table(tmp_path) -> None:
    reason = _ready()
    if reason:
        if os.environ.get("KEYWAY_REQUIRE_BENCH") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    subprocess.run(
        [sys.executable, "bench/run.py", "--duration", "1", "--smoke", "--out", str(tmp_path),
         "--only", "jwks", "discovery", "client_credentials"],
        cwd=ROOT,
        check=True,
        timeout=600,
    )  # fmt: skip
    report = json.loads((tmp_path / "latest.json").read_text())
    for server in ("keyway", "oidc_provider"):
        assert set(report[server]) == {"jwks", "discovery", "client_credentials"}
        assert all(result["requests"] > 0 for result in report[server].values())
        assert all(result["non_2xx_3xx"] == 0 for result in report[server].values())
    # JWKS and discovery are served with no database query (issue target).
    assert report["queries"]["jwks"] == 0
    assert report["queries"]["discovery"] == 0
    table = (tmp_path / "latest.md").read_text()
    assert "| client_credentials |" in table
    assert "openssl RSA-2048" in table
