"""What the SAML endpoints send back to the browser."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.common.csp import form_action_allow, origin_of
from apps.common.views.errors import render_error
from apps.saml_idp.sso import PostMessage


def post_page(request: HttpRequest, message: PostMessage) -> HttpResponse:
    """HTTP-POST binding: a form the browser submits to the SP (Bindings 3.5.4)."""
    response = render(request, "saml_idp/post.html", {"message": message})
    response["Cache-Control"] = "no-cache, no-store"  # Bindings 3.5.5.1
    response["Pragma"] = "no-cache"
    # The form posts to the SP: CSP form-action must allow exactly its origin.
    return form_action_allow(response, [origin_of(message.url) or ""])


def saml_error_page(request: HttpRequest, reason: str, status: int = 400) -> HttpResponse:
    return render_error(
        request, status, title="This sign-in request cannot be accepted", message=reason
    )
