"""Back to the protected application after signing in.

The sign-in page follows ``next`` only on Keyway's own host, so forward-auth sends the
person to sign in with ``next`` = this page, which redirects to the original URL only
if its host is served by an application in the policy store (no open redirect).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from apps.common.views.errors import render_error
from apps.policies.selectors import application_host_known


@require_GET
def forward_auth_return(request: HttpRequest) -> HttpResponse:
    url = request.GET.get("url", "")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not host
        or any(c in url for c in "\r\n\\")
        or not (application_host_known(host=host) or application_host_known(host=parts.netloc))
    ):
        return render_error(request, 400, message="That address is not a protected application.")
    return HttpResponseRedirect(url)
