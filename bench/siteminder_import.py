"""Importing a large SiteMinder policy store with ``manage.py import_siteminder``.

Run: .venv/bin/python bench/siteminder_import.py [--realms 10000] [--rules-per-realm 5]

Generates a SYNTHETIC XPSExport (``siteminder_export_generate.py``; defaults: 10,000
realms, 50,000 rules, ~190,000 objects) into a temporary directory, then in child
processes migrates a fresh database there (SQLite, unless ``DATABASE_URL`` names one —
then migrate it yourself) and imports the export twice: the first run creates
everything, the second must change nothing. Prints JSON: seconds per run and the
children's peak RSS (``resource.getrusage(RUSAGE_CHILDREN)``). Target: under 60 s and
500 MB for the first run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from siteminder_export_generate import generate

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if result.returncode:
        sys.exit(f"manage.py {args[0]} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - started, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--realms", type=int, default=10_000)
    parser.add_argument("--rules-per-realm", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export.xml"
        started = time.perf_counter()
        generate(export, realms=args.realms, rules_per_realm=args.rules_per_realm, agents=200)
        generated = time.perf_counter() - started
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            manage("migrate", "--verbosity", "0", env=env)
        runs = []
        for label in ("first import", "re-run (no change)"):
            seconds, output = manage(
                "import_siteminder", str(export), "--progress", "never", env=env
            )
            summary = [line.strip() for line in output.splitlines() if "create" in line][:8]
            runs.append({"run": label, "seconds": round(seconds, 1), "summary": summary})
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            json.dumps(
                {
                    "realms": args.realms,
                    "rules": args.realms * args.rules_per_realm,
                    "file_mb": round(export.stat().st_size / 1e6, 1),
                    "generate_seconds": round(generated, 1),
                    "database": env["DATABASE_URL"].split("@")[-1],
                    "runs": runs,
                    "peak_rss_mb": round(peak_kib / 1024, 1),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
