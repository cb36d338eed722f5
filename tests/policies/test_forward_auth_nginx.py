"""A real nginx (``auth_request``) in front of an application, with Keyway's
forward-auth endpoint in place of the SiteMinder Web Agent.

Needs an nginx binary built with ``http_auth_request_module`` (Debian's ``nginx``):
``KEYWAY_NGINX=/path/to/nginx`` or ``nginx`` on PATH; skipped otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD
from tests.siteminder_import.scenario import import_export, people_create

NGINX = os.environ.get("KEYWAY_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx not installed"),
]

CONFIG = """
daemon off; master_process off; worker_processes 1;
pid {tmp}/nginx.pid; error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      auth_request /_keyway;
      auth_request_set $sm_user $upstream_http_sm_user;
      auth_request_set $dept $upstream_http_http_dept;
      proxy_set_header SM_USER $sm_user;
      proxy_set_header HTTP_DEPT $dept;
      proxy_pass http://127.0.0.1:{app_port};
      error_page 401 = @signin;
    }}
    location = /_keyway {{
      internal;
      proxy_pass {keyway}/policies/forward-auth;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }}
    location @signin {{
      return 302 {keyway}/signin/?next=$request_uri;
    }}
  }}
}}
"""


class Echo(BaseHTTPRequestHandler):
    """The protected application: answers with the headers it was given."""

    def do_GET(self) -> None:
        body = json.dumps(dict(self.headers.items())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gateway(live_server, tmp_path) -> Iterator[str]:
    app = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        CONFIG.format(tmp=tmp_path, port=port, app_port=app.server_port, keyway=live_server.url)
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        app.shutdown()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, cookie: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Host": "intranet.example.com"})  # noqa: S310 (http to loopback)
    if cookie:
        request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def session_of(email: str) -> str:
    browser = Client()
    assert browser.post("/signin/", {"email": email, "password": PASSWORD}).status_code == 302
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def store() -> None:
    import_export()
    people_create()


def test_nginx_lets_a_permitted_person_through_with_the_header_variables(store, gateway) -> None:
    status, _, body = fetch(f"{gateway}/index.html", session_of("alice@example.com"))
    assert status == 200
    seen = json.loads(body)
    assert seen["SM_USER"] == "alice@example.com"
    assert seen["HTTP_DEPT"] == "Engineering"


def test_nginx_sends_an_anonymous_visitor_to_sign_in(store, gateway, live_server) -> None:
    status, headers, _ = fetch(f"{gateway}/index.html")
    assert status == 302
    assert headers["Location"] == f"{live_server.url}/signin/?next=/index.html"


def test_nginx_refuses_a_person_the_policies_deny(store, gateway) -> None:
    status, _, _ = fetch(f"{gateway}/index.html", session_of("nobody@example.com"))
    assert status == 403


def test_nginx_serves_an_unprotected_resource_without_identity(store, gateway) -> None:
    status, _, body = fetch(f"{gateway}/public/about")
    assert status == 200
    assert json.loads(body).get("SM_USER", "") == ""
