"""The hosted sign-in page."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from apps.accounts.forms import SignInForm
from apps.accounts.redirects import next_url_safe
from apps.accounts.services import user_authenticate, user_sign_in
from apps.common.csp import form_action_allow, form_action_allow_for_next
from apps.federation.selectors import source_for_email, source_origins, sources_enabled

INVALID_CREDENTIALS = "The email address or password is incorrect."


def _throttled_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many sign-in attempts. Try again in {seconds} {unit}."


def _page(request: HttpRequest, form: SignInForm, next_url: str, status: int = 200) -> HttpResponse:
    providers = [
        {"name": source.name, "url": _federation_start_url(source.slug, next_url)}
        for source in sources_enabled()
    ]
    response = render(
        request, "accounts/signin.html", {"form": form, "providers": providers}, status=status
    )
    # Home-realm discovery redirects a submitted form to an upstream identity provider.
    form_action_allow(response, source_origins())
    return form_action_allow_for_next(response, next_url)


def _federation_start_url(slug: str, next_url: str) -> str:
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return f"{reverse('federation:start', args=[slug])}{query}"


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    fallback = resolve_url("accounts:home")
    if request.method == "GET":
        next_url = next_url_safe(
            request=request, candidate=request.GET.get("next"), fallback=fallback
        )
        # OIDC login_hint (passed on by the authorization endpoint) pre-fills the email.
        hint = request.GET.get("login_hint", "")[:254]
        form = SignInForm(initial={"next": next_url, "email": hint})
        return _page(request, form, next_url)

    form = SignInForm(request.POST)
    if not form.is_valid():
        return _page(request, form, fallback, status=400)

    data = form.cleaned_data
    # Home-realm discovery: people of a federated domain sign in at their own provider.
    source = source_for_email(email=data["email"])
    if source is not None:
        return HttpResponseRedirect(_federation_start_url(source.slug, data["next"]))
    if not data["password"]:
        form.add_error("password", forms.Field.default_error_messages["required"])
        return _page(request, form, fallback, status=400)

    attempt = user_authenticate(request=request, email=data["email"], password=data["password"])
    if attempt.throttled:
        form.add_error(None, _throttled_message(attempt.retry_after))
        response = _page(request, form, data["next"], status=429)
        for name, value in attempt.limit.headers().items():  # Retry-After and RateLimit-*
            response[name] = value
        return response
    if attempt.user is None:
        # A well-formed attempt with wrong credentials is not a bad request: the form is
        # shown again with 200, as for any failed sign-in (only malformed posts get 400).
        form.add_error(None, INVALID_CREDENTIALS)
        return _page(request, form, data["next"])

    user_sign_in(request=request, user=attempt.user)
    return HttpResponseRedirect(
        next_url_safe(request=request, candidate=data["next"], fallback=fallback)
    )
