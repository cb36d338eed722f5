"""Well-known asset paths that browsers request on their own."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Browsers ask for /favicon.ico on pages that link no icon (the admin's). Resolved per
    # request: in production the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))
