"""Importing a large legacy user export with ``manage.py import_users``.

Run: DATABASE_URL=postgres://... .venv/bin/python bench/import_users.py [--users N]
     [--batch-size N] [--keep]

Writes N users (default 1,000,000) as JSONL into a temporary directory, then runs the
command in a child process against the configured database (``DATABASE_URL``, default
settings ``config.settings.local``; migrate that database first) and prints JSON: records
per second, seconds, the child's peak RSS (``resource.getrusage(RUSAGE_CHILDREN)``).

Hashes: ONE real bcrypt hash (cost 10, what the npm packages write) is made once and reused
for 90% of the users; every 10th user is a passport-local-mongoose record (PLM defaults:
64-character hex salt, 1,024-character hex hash) whose salt and hash are random hex, not
derived from a password. The importer stores hashes as-is and never verifies them, so their
content does not change the import's cost, only their size does. Every 5th user is in one
of five groups. The emails are new each run (a random tag), so the run measures creates;
run it twice with ``--keep`` to time a second, all-"unchanged" pass over the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

ROOT = Path(__file__).resolve().parent.parent


def generate(path: Path, users: int) -> None:
    bcrypt_hash = bcrypt.hashpw(b"one password for all", bcrypt.gensalt(10)).decode()
    tag = secrets.token_hex(4)
    groups = [["staff"], ["engineering"], ["sales", "staff"], ["support"], ["admins"]]
    with path.open("w") as out:
        for n in range(users):
            record: dict = {
                "email": f"user{n}.{tag}@Example.com",
                "external_id": f"{tag}-{n}",
                "given_name": f"Given{n}",
                "family_name": "Family",
                "is_active": n % 50 != 0,
            }
            if n % 10 == 9:
                record["salt"] = secrets.token_hex(32)
                record["hash"] = secrets.token_hex(512)
            else:
                record["password_hash"] = bcrypt_hash
            if n % 5 == 0:
                record["groups"] = groups[(n // 5) % 5]
            out.write(json.dumps(record) + "\n")


def run(path: Path, batch_size: int) -> dict:
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "import_users",
            str(path),
            "--progress",
            "never",
            "--batch-size",
            str(batch_size),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"import_users failed:\n{result.stderr}")
    return {"seconds": round(seconds, 2), "output": result.stdout.strip()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true", help="import the same file twice")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "users.jsonl"
        started = time.perf_counter()
        generate(path, args.users)
        generated = time.perf_counter() - started
        runs = [run(path, args.batch_size)]
        if args.keep:
            runs.append(run(path, args.batch_size))
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            json.dumps(
                {
                    "users": args.users,
                    "file_mb": round(path.stat().st_size / 1e6, 1),
                    "generate_seconds": round(generated, 1),
                    "database": os.environ.get("DATABASE_URL", "sqlite (default)").split("@")[-1],
                    "runs": [
                        {**r, "records_per_second": round(args.users / r["seconds"])} for r in runs
                    ],
                    "peak_rss_mb": round(peak_kib / 1024, 1),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
