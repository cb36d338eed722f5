# ruff: noqa: S603, S607  (a harness that starts servers and tools by name, on purpose)
"""Keyway beside panva's oidc-provider (the legacy Node.js stack's library), on this machine.

    .venv/bin/python bench/run.py [--duration 8] [--connections 8] [--only NAME ...]

Starts Keyway in its production shape (gunicorn, one sync worker per core, PostgreSQL,
Redis; `config.settings.production`) and oidc-provider 9 (bench/node, one worker per core
with node:cluster, Redis storage), drives both with wrk over loopback with the same
requests, bounded by ``--duration`` per scenario, and writes bench/results/latest.json and
latest.md: requests/s with p50/p99 latency, each Keyway figure as a ratio to
oidc-provider's, and the floors — the password hash (cores / one Argon2id check),
`openssl speed` for RS256, and a bare Django JSON view under the same server — plus the
SQL statements per request on the token, introspection and userinfo paths.

Needs: PostgreSQL and Redis on 127.0.0.1 (as in CI), node + npm, wrk and openssl
(`apt-get install wrk`). Nothing here is a test: the suite only smoke-tests the harness.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
CORES = os.cpu_count() or 1
DB_NAME = "keyway_bench"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/2"
REDIRECT_URI = "http://127.0.0.1:9/callback"
# Scenarios oidc-provider has no counterpart for (the SiteMinder Web Agent replacement).
KEYWAY_ONLY = {"forward_auth"}
# Scenarios whose answer carries an RS256 signature (an ID token).
SIGNING_SCENARIOS = {"code_flow", "refresh"}  # nothing listens: the code is read from Location


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def process(
    args: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# --- Keyway ------------------------------------------------------------------------------


def keyway_env(port: int) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "KEYWAY_CACHE_PREFIX": "keyway-bench",
        "KEYWAY_ISSUER": f"http://127.0.0.1:{port}",
        "KEYWAY_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        # Plain HTTP on loopback: no TLS redirect (production sits behind TLS).
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        # A sign-in benchmark is not an attack: lift the throttle thresholds.
        "KEYWAY_SIGNIN_ACCOUNT_THRESHOLD": "100000000",
        "KEYWAY_SIGNIN_IP_THRESHOLD": "100000000",
        # Thousands of token requests per second from one client and one IP: no rate limit.
        "KEYWAY_TOKEN_RATE_LIMIT_CLIENT": "0",
        "KEYWAY_TOKEN_RATE_LIMIT_IP": "0",
        "PORT": str(port),
    }


def keyway_prepare(env: dict[str, str]) -> dict[str, str]:
    subprocess.run(
        ["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {DB_NAME}"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["psql", PG, "-qc", f"CREATE DATABASE {DB_NAME}"],
        check=True,
        capture_output=True,
    )
    full = {**os.environ, **env}
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=full, check=True
    )
    # Production serves hashed static files from a manifest, as the Docker image builds it.
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=full, check=True
    )
    out = subprocess.run(
        [PYTHON, "bench/keyway_setup.py"],
        cwd=ROOT,
        env={**full, "BENCH_REDIRECT_URI": REDIRECT_URI},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def gunicorn(env: dict[str, str], port: int, settings: str = "config.settings.production"):
    return process(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "config.wsgi",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": settings, "WEB_CONCURRENCY": str(CORES)},
    )


@dataclass
class Server:
    name: str
    base: str
    token_path: str
    authorize_path: str
    introspect_path: str
    userinfo_path: str
    jwks_path: str
    client_id: str
    client_secret: str
    session_cookie: str = ""
    access_token: str = ""
    refresh_tokens: list[str] = field(default_factory=list)
    cc_token: str = ""

    @property
    def basic(self) -> str:
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


def authorize_query(server: Server, challenge: str, scope: str) -> str:
    return urlencode(
        {
            "response_type": "code",
            "client_id": server.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "code_challenge_method": "S256",
            "code_challenge": challenge,
        }
    )


def code_exchange(http: httpx.Client, server: Server, location: str, verifier: str) -> dict:
    code = parse_qs(urlsplit(location).query)["code"][0]
    answer = http.post(
        server.base + server.token_path,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        headers={"Authorization": server.basic},
    )
    answer.raise_for_status()
    return answer.json()


def follow_until_code(http: httpx.Client, url: str, *, form_step=None) -> str:
    """Follow redirects on the server; ``form_step(page)`` answers an HTML page."""
    for _ in range(12):
        page = http.get(url)
        if page.is_redirect:
            url = urljoin(url, page.headers["location"])
            if url.startswith(REDIRECT_URI):
                return url
            continue
        url = form_step(page)
        if url.startswith(REDIRECT_URI):
            return url
    raise RuntimeError(f"no code after following {url}")


def csrf_token(page: httpx.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if match is None:
        raise RuntimeError(f"no sign-in form: HTTP {page.status_code} {page.text[:300]}")
    return match.group(1)


class PlainHttpBrowser:
    """Keyway's production cookies are Secure (``__Host-``); over loopback HTTP a client
    would drop them, so this one keeps and sends them itself."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, follow_redirects=False, timeout=10)
        self.jar: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.jar.items())

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        answer = self.http.request(
            method, url, headers={"Cookie": self.cookie, **kwargs.pop("headers", {})}, **kwargs
        )
        self.jar.update(answer.cookies.items())
        return answer


def keyway_tokens(server: Server, email: str, password: str, flows: int) -> None:
    browser = PlainHttpBrowser(server.base)
    csrf = csrf_token(browser.request("GET", "/signin/"))
    signed = browser.request(
        "POST",
        "/signin/",
        data={"csrfmiddlewaretoken": csrf, "email": email, "password": password, "next": "/"},
    )
    if signed.status_code != 302:
        raise RuntimeError(f"sign-in failed: HTTP {signed.status_code} {signed.text[:300]}")
    server.session_cookie = browser.cookie
    for _ in range(flows):
        verifier, challenge = pkce_pair()
        query = authorize_query(server, challenge, "openid profile email offline_access")
        location = browser.request("GET", f"{server.authorize_path}?{query}").headers["location"]
        tokens = code_exchange(browser.http, server, location, verifier)
        server.access_token = tokens["access_token"]
        server.refresh_tokens.append(tokens["refresh_token"])


def op_tokens(server: Server, flows: int) -> None:
    """oidc-provider's development interactions: log in as "bench", consent once."""
    with httpx.Client(follow_redirects=False, timeout=10) as http:

        def answer(page: httpx.Response) -> str:
            action = re.search(r'<form autocomplete="off" action="([^"]+)"', page.text).group(1)
            prompt = re.search(r'name="prompt" value="(\w+)"', page.text).group(1)
            data = {"prompt": prompt, "login": "bench", "password": "bench"}
            done = http.post(urljoin(str(page.url), action), data=data)
            return urljoin(str(page.url), done.headers["location"])

        for _ in range(flows):
            verifier, challenge = pkce_pair()
            query = authorize_query(server, challenge, "openid profile email offline_access")
            # offline_access needs prompt=consent in oidc-provider (OIDC Core 11).
            url = f"{server.base}{server.authorize_path}?{query}&prompt=consent"
            location = follow_until_code(http, url, form_step=answer)
            tokens = code_exchange(http, server, location, verifier)
            server.access_token = tokens["access_token"]
            server.refresh_tokens.append(tokens["refresh_token"])
        # A plain authorization request now needs no interaction: keep that session.
        # Interaction cookies are path-scoped and repeat; the session ones are what matters.
        jar = {c.name: c.value for c in http.cookies.jar if not c.name.startswith("_interaction")}
        server.session_cookie = "; ".join(f"{k}={v}" for k, v in jar.items())


def client_credentials(server: Server) -> str:
    answer = httpx.post(
        server.base + server.token_path,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": server.basic},
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


# --- wrk ---------------------------------------------------------------------------------


def wrk(
    base: str,
    script: str,
    args: list[str],
    *,
    duration: int,
    connections: int,
    threads: int | None = None,
) -> dict:
    """Run one wrk scenario; returns its JSON line (rps, p50/p90/p99 in ms, errors)."""
    threads = threads or min(connections, CORES)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write((BENCH / "wrk" / script).read_text())
        handle.write("\n")
        handle.write((BENCH / "wrk" / "common.lua").read_text())
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                base,
                "--",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=True,
        )
    finally:
        os.unlink(handle.name)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
    result = json.loads(line)
    if out.stderr.strip():
        result["stderr"] = out.stderr.strip()[:500]
    return result


def scenarios(
    server: Server, *, duration: int, connections: int, only: set[str]
) -> dict[str, dict]:
    auth = f"Authorization: {server.basic}"
    bearer = f"Authorization: Bearer {server.access_token}"
    plan = {
        "client_credentials": (
            "post_form.lua",
            [server.token_path, "grant_type=client_credentials", auth],
            connections,
            None,
        ),
        "introspection": (
            "post_form.lua",
            [server.introspect_path, f"token={server.cc_token}", auth],
            connections,
            None,
        ),
        "userinfo": ("get.lua", [server.userinfo_path, bearer], connections, None),
        "jwks": ("get.lua", [server.jwks_path], connections, None),
        "forward_auth": (
            "get.lua",
            [
                "/policies/forward-auth",
                f"Cookie: {server.session_cookie}",
                "X-Forwarded-Host: app.bench.test",
                "X-Forwarded-Uri: /reports/2026",
                "X-Forwarded-Method: GET",
            ],
            connections,
            None,
        ),
        "discovery": ("get.lua", ["/.well-known/openid-configuration"], connections, None),
        "refresh": (
            "refresh.lua",
            [server.token_path, server.basic, *server.refresh_tokens[:CORES]],
            CORES,
            CORES,
        ),
    }
    pairs = [":".join(pkce_pair()) for _ in range(64)]
    # The query up to the challenge, which the Lua script appends per flow.
    prefix = (
        f"{server.authorize_path}?"
        + authorize_query(server, "", "openid profile email").removesuffix("code_challenge=")
        + "code_challenge="
    )
    plan["code_flow"] = (
        "code_flow.lua",
        [
            prefix,
            server.token_path,
            server.basic,
            server.session_cookie,
            REDIRECT_URI.replace(":", "%3A").replace("/", "%2F"),
            *pairs,
        ],
        CORES,
        CORES,
    )
    results = {}
    for name, (script, args, conns, threads) in plan.items():
        if only and name not in only:
            continue
        if name in KEYWAY_ONLY and server.name != "keyway":
            continue
        result = wrk(
            server.base, script, args, duration=duration, connections=conns, threads=threads
        )
        if name == "code_flow":  # two requests per flow; a flow ends with its token answer
            result["flows_per_s"] = round(result["rps"] / 2, 1)
        results[name] = result
        _say(server.name, name, result)
    return results


# --- Floors ------------------------------------------------------------------------------


def openssl_rs256(seconds: int) -> float:
    out = subprocess.run(
        ["openssl", "speed", "-seconds", str(seconds), "-multi", str(CORES), "rsa2048"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = [x for x in out.splitlines() if x.startswith("rsa 2048")][-1].split()
    return float(line[-2])  # sign/s over all cores


def hash_floor(rounds: int) -> dict:
    """Sign-ins per second the password hash allows on every core (bench/password_hash.py)."""
    out = subprocess.run(
        [PYTHON, "bench/password_hash.py", "--rounds", str(rounds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    hashers = json.loads(out)["hashers"]
    ms = next(v for k, v in hashers.items() if k.startswith("keyway"))["ms_per_check"]
    return {"ms_per_check": ms, "signins_per_s": round(CORES * 1000 / ms, 1)}


# --- Report ------------------------------------------------------------------------------


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def markdown(report: dict) -> str:
    keyway, op, floors = report["keyway"], report["oidc_provider"], report["floors"]
    lines = [
        f"Keyway vs oidc-provider on {CORES} cores, {report['duration_s']} s per scenario, "
        "wrk over loopback. code_flow is in flows/s (authorize + token); the rest in requests/s.",
        "",
        _row(
            "scenario", "Keyway", "p50 ms", "p99 ms", "oidc-provider", "p50 ms", "p99 ms", "ratio"
        ),
        _row(*["---"] * 8),
    ]
    for name, k in keyway.items():
        unit = "flows_per_s" if name == "code_flow" else "rps"
        o = op.get(name)
        theirs = [f"{o[unit]:.0f}", f"{o['p50_ms']:.1f}", f"{o['p99_ms']:.1f}"] if o else ["—"] * 3
        ratio = f"{k[unit] / o[unit]:.2f}x" if o and o[unit] else "—"
        # A run with failed requests measures the failure path: say so in the table.
        failed = k["non_2xx_3xx"] + (o["non_2xx_3xx"] if o else 0)
        if failed:
            name = f"{name} (INVALID: {failed} failed requests)"
        lines.append(
            _row(name, f"{k[unit]:.0f}", f"{k['p50_ms']:.1f}", f"{k['p99_ms']:.1f}", *theirs, ratio)
        )
    hashing, bare = floors["hash"], floors["bare_django"]
    signs = floors["openssl_rs256_sign_per_s"]
    lines += [
        "",
        f"Floors: a bare Django JSON view under the same server {bare['rps']:.0f} req/s; "
        f"openssl RSA-2048 {signs:.0f} signatures/s on {CORES} cores; the password hash "
        f"{hashing['signins_per_s']:.0f} sign-ins/s ({CORES} cores / "
        f"{hashing['ms_per_check']} ms per check).",
        "",
        _row("scenario", "Keyway", "/ bare Django view", "/ openssl RS256", "/ password hash"),
        _row(*["---"] * 5),
    ]
    for name, k in keyway.items():
        rate = k["flows_per_s"] if name == "code_flow" else k["rps"]
        lines.append(
            _row(
                name,
                f"{rate:.0f}",
                f"{k['rps'] / bare['rps']:.2f}x",
                # Scenarios that sign (an ID token per flow or refresh) against the signer.
                f"{rate / signs:.3f}x" if name in SIGNING_SCENARIOS else "—",
                f"{rate / hashing['signins_per_s']:.2f}x" if name == "signin" else "—",
            )
        )
    if report.get("queries"):
        lines += [
            "",
            _row("SQL statements per request (steady state)", "count"),
            _row("---", "---"),
        ]
        lines += [_row(name, count) for name, count in report["queries"].items()]
    return "\n".join(lines) + "\n"


def _say(server: str, name: str, result: dict) -> None:
    print(
        f"  {server:14} {name:18} {result['rps']:>9.1f} req/s"
        f"  p50 {result['p50_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=4 * CORES)
    parser.add_argument("--only", nargs="*", default=[], help="scenario names")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="shortest floors: proves the harness runs (the test suite's smoke test)",
    )
    options = parser.parse_args()
    for tool in ("wrk", "node", "psql", "openssl"):
        if shutil.which(tool) is None:
            sys.exit(f"bench/run.py needs {tool} on PATH")
    if not (BENCH / "node" / "node_modules").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=BENCH / "node",
            check=True,
        )
    only = set(options.only)
    report: dict = {
        "cores": CORES,
        "duration_s": options.duration,
        "connections": options.connections,
    }

    port, op_port, bare_port = free_port(), free_port(), free_port()
    env = keyway_env(port)
    made = keyway_prepare(env)
    print(f"Keyway on :{port}, oidc-provider on :{op_port}", flush=True)
    keyway = Server(
        "keyway",
        f"http://127.0.0.1:{port}",
        "/oauth/token",
        "/oauth/authorize",
        "/oauth/introspect",
        "/oauth/userinfo",
        "/oauth/jwks",
        made["client_id"],
        made["client_secret"],
    )
    op = Server(
        "oidc-provider",
        f"http://127.0.0.1:{op_port}",
        "/token",
        "/auth",
        "/token/introspection",
        "/me",
        "/jwks",
        "bench",
        secrets.token_urlsafe(32),
    )

    with gunicorn(env, port):
        wait_http(f"{keyway.base}/healthz")
        keyway_tokens(keyway, made["email"], made["password"], flows=CORES)
        keyway.cc_token = client_credentials(keyway)
        report["keyway"] = scenarios(
            keyway, duration=options.duration, connections=options.connections, only=only
        )
        if not only or "signin" in only:
            browser = PlainHttpBrowser(keyway.base)
            csrf = csrf_token(browser.request("GET", "/signin/"))
            cookie = browser.cookie
            body = urlencode(
                {
                    "csrfmiddlewaretoken": csrf,
                    "email": made["email"],
                    "password": made["password"],
                    "next": "/",
                }
            )
            report["keyway"]["signin"] = wrk(
                keyway.base,
                "post_form.lua",
                ["/signin/", body, f"Cookie: {cookie}"],
                duration=options.duration,
                connections=2 * CORES,
            )
            _say("keyway", "signin", report["keyway"]["signin"])

    with process(
        ["node", "op.mjs", str(op_port), op.base, op.client_secret, REDIRECT_URI, str(CORES)],
        cwd=BENCH / "node",
        env={"REDIS_URL": "redis://127.0.0.1:6379/3"},
    ):
        wait_http(f"{op.base}/.well-known/openid-configuration")
        op_tokens(op, flows=CORES)
        op.cc_token = client_credentials(op)
        report["oidc_provider"] = scenarios(
            op, duration=options.duration, connections=options.connections, only=only
        )

    with gunicorn({**env, "PORT": str(bare_port)}, bare_port, settings="bench.bare_settings"):
        wait_http(f"http://127.0.0.1:{bare_port}/bare")
        bare = wrk(
            f"http://127.0.0.1:{bare_port}",
            "get.lua",
            ["/bare"],
            duration=options.duration,
            connections=options.connections,
        )
    report["floors"] = {
        "hash": hash_floor(rounds=2 if options.smoke else 15),
        "openssl_rs256_sign_per_s": openssl_rs256(seconds=1 if options.smoke else 3),
        "bare_django": bare,
    }
    ids = {"BENCH_CLIENT_ID": made["client_id"], "BENCH_CLIENT_SECRET": made["client_secret"]}
    counted = subprocess.run(
        [PYTHON, "bench/queries.py"],
        cwd=ROOT,
        env={**os.environ, **env, **ids},
        capture_output=True,
        text=True,
    )
    if counted.returncode != 0:
        raise RuntimeError(f"bench/queries.py failed: {counted.stderr[-2000:]}")
    report["queries"] = json.loads(counted.stdout.strip().splitlines()[-1])

    options.out.mkdir(parents=True, exist_ok=True)
    (options.out / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (options.out / "latest.md").write_text(table)
    print()
    print(table)
    subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {DB_NAME}"], capture_output=True)


if __name__ == "__main__":
    main()
