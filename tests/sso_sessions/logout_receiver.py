"""Test doubles for logout delivery: a relying party's logout endpoint on a real socket, a
port nobody listens on, and a switch for Celery's eager mode.

Shared by ``tests/sso_sessions/test_logout_delivery.py`` and
``tests/oidc_provider/test_backchannel_logout.py``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

# A Logout Token is a few kilobytes; anything bigger is a bug in the sender.
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]

    @property
    def logout_token(self) -> str:
        (token,) = self.form["logout_token"]
        return token


class LogoutReceiver:
    """A back-channel logout endpoint (Back-Channel Logout 1.0 section 2.5) on
    127.0.0.1, on a port the OS picks, served by ``ThreadingHTTPServer`` in a thread.

    ``statuses`` are the answers to successive requests; the last one repeats.
    ``delay`` seconds are spent before answering (to provoke timeouts); a 3xx answer
    points at ``redirect_to``. Use it as a context manager: the server is shut down and
    its socket closed on exit.
    """

    def __init__(
        self,
        statuses: Sequence[int] = (200,),
        *,
        delay: float = 0.0,
        redirect_to: str = "/",
        path: str = "/bc",
    ) -> None:
        self.statuses = list(statuses) or [200]
        self.delay = delay
        self.redirect_to = redirect_to
        self.path = path
        self.requests: list[ReceivedRequest] = []
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        # Handler threads must never keep the test process alive, and a client that hung
        # up on a slow answer (the timeout tests) is expected, not worth a traceback.
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, client_address: None
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def __enter__(self) -> LogoutReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait_for(self, count: int, timeout: float) -> bool:
        """Whether ``count`` requests arrived within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    def _answer(self, request: ReceivedRequest) -> int:
        with self._changed:
            self.requests.append(request)
            status = self.statuses[min(len(self.requests), len(self.statuses)) - 1]
            self._changed.notify_all()
        return status

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            # Socket timeout per request: a stuck client cannot hold a handler thread.
            timeout = 5

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY_BYTES:
                    self.send_error(413)
                    return
                body = self.rfile.read(length).decode("ascii", errors="replace")
                self._record("POST", parse_qs(body, keep_blank_values=True))

            def do_GET(self) -> None:
                # SAML Single Logout over HTTP-Redirect: the message is in the query.
                self._record("GET", {})

            def _record(self, method: str, form: dict[str, list[str]]) -> None:
                status = receiver._answer(
                    ReceivedRequest(
                        method=method,
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        form=form,
                    )
                )
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.redirect_to)
                # Section 2.8: the RP's response SHOULD include Cache-Control: no-store.
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep the test output clean

        return Handler


def closed_port_url(path: str = "/bc") -> str:
    """An http URL on 127.0.0.1 where nothing listens: connecting is refused at once.

    The port was just bound and released; the OS does not hand it out again right away.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@contextmanager
def celery_always_eager(enabled: bool = True, *, propagates: bool = False) -> Iterator[None]:
    """Run Celery tasks in-process (``enabled``) or through the broker, then restore.

    ``settings.CELERY_TASK_ALWAYS_EAGER`` cannot do this: Celery read the Django settings
    once, when the app was configured; ``apply_async`` reads ``app.conf`` at every call.

    ``propagates`` is ``task_eager_propagates``. The delivery task retries in-process when
    eager, so it works either way; the settings set it to True (see
    ``test_embedded_default_sign_out_survives_an_unreachable_relying_party``).
    """
    from config.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = enabled
    app.conf.task_eager_propagates = propagates
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = previous
