"""Container health check: ``python deploy/healthcheck.py [/healthz|/readyz]``; exit 0 when
Keyway answers 200 on this container's port.

Django answers only hosts in DJANGO_ALLOWED_HOSTS, so the request names the first of them
(a probe to 127.0.0.1 would get 400 once the list holds only the public name); the probe
paths are exempt from the TLS redirect.
"""

import os
import sys
import urllib.error
import urllib.request


def main(path: str) -> int:
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = (hosts[0] if hosts else "localhost").lstrip(".").replace("*", "localhost")
    request = urllib.request.Request(
        f"http://127.0.0.1:{os.environ.get('PORT', '8000')}{path}", headers={"Host": host}
    )
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310  (fixed URL)
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/healthz"))
