"""The one answer to a refused federated sign-in or logout: an audit event and an error
page that says what the person can do, never a 500 or a stack trace."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from apps.common.views.errors import render_error
from apps.federation.errors import FederationRejected
from apps.federation.models import Source
from apps.federation.services import rejection_record


def rejected(
    request: HttpRequest, source: Source | None, error: FederationRejected
) -> HttpResponse:
    rejection_record(request=request, source=source, error=error)
    return render_error(request, error.status, title="Sign-in failed", message=error.message)


def unknown_source(request: HttpRequest) -> HttpResponse:
    return render_error(
        request,
        404,
        title="Unknown identity provider",
        message="This sign-in option does not exist.",
    )
