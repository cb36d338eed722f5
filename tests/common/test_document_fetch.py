"""Fetching a document (SAML metadata) over HTTP reads a bounded number of bytes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.common.http import DocumentFetchError, DocumentTooLarge, document_fetch


@pytest.fixture
def server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/missing":
                self.send_response(404)
                self.end_headers()
                return
            size = 2_000_000 if self.path == "/huge" else 100
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            self.wfile.write(b"x" * size)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_document_within_the_bound_is_returned(server: str) -> None:
    assert document_fetch(url=f"{server}/small", max_bytes=1024, timeout=5) == b"x" * 100


def test_a_document_beyond_the_bound_is_refused(server: str) -> None:
    with pytest.raises(DocumentTooLarge):
        document_fetch(url=f"{server}/huge", max_bytes=1024 * 1024, timeout=5)


def test_an_error_answer_or_no_server_is_a_fetch_error(server: str) -> None:
    with pytest.raises(DocumentFetchError, match="404"):
        document_fetch(url=f"{server}/missing", max_bytes=1024, timeout=5)
    with pytest.raises(DocumentFetchError):
        document_fetch(url="http://127.0.0.1:9/nothing", max_bytes=1024, timeout=2)
