from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"


def node_peers_ready() -> bool:
    return shutil.which("node") is not None and (NODE_DIR / "node_modules").is_dir()


@pytest.fixture
def node_peer():
    """Run one of the pinned npm peers under tests/interop/node.

    `make test` installs them with `npm ci`; on a machine without node they are skipped,
    unless KEYWAY_REQUIRE_INTEROP=1 (CI) makes that an error.
    """
    if not node_peers_ready():
        if os.environ.get("KEYWAY_REQUIRE_INTEROP") == "1":
            pytest.fail("node or tests/interop/node/node_modules is missing (run `make test`)")
        pytest.skip("node peers not installed: run `make test` (npm ci in tests/interop/node)")

    def run(script: str, *args: str, stdin: str = "") -> str:
        result = subprocess.run(
            ["node", script, *args],
            cwd=NODE_DIR,
            input=stdin.encode("utf-8"),
            capture_output=True,
            check=True,
            timeout=60,
        )
        return result.stdout.decode("utf-8")

    return run
