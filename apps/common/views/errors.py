"""Error pages: one template, a clear message, never a stack trace.

The 500 handler renders without a RequestContext so that it still works when the
failure was in the database, the cache or a context processor.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader

_MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Forbidden", "You do not have permission to do that."),
    404: ("Page not found", "There is nothing at this address."),
    500: ("Something went wrong", "An unexpected error occurred. Please try again later."),
}


def render_error(
    request: HttpRequest | None,
    status: int,
    *,
    title: str | None = None,
    message: str | None = None,
) -> HttpResponse:
    default_title, default_message = _MESSAGES.get(status, _MESSAGES[400])
    context = {
        "status": status,
        "title": title or default_title,
        "message": message or default_message,
    }
    body = loader.render_to_string("errors/error.html", context)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render_error(None, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render_error(
        request,
        403,
        title="Your form expired",
        message="The form could not be verified (it may have expired, or cookies may be "
        "blocked). Reload the page and submit it again.",
    )
