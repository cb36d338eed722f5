"""The hosted password-reset path, on Django's own reset machinery.

``/password/reset/`` asks for an email and always answers the same way (a redirect to
``/password/reset/sent/``), whether or not an account exists. Mail goes to every *active*
account with that address, including people imported without a password ("must set a
password"), whom Django's stock form would skip. The link carries the account's public
``subject`` (never the database id) and a ``default_token_generator`` token: it is
single-use, because the token hashes the password and ``last_login``, and it expires after
``PASSWORD_RESET_TIMEOUT``. Links are built from the request's host, which
``ALLOWED_HOSTS`` validates: it must name only Keyway's real host names.

Requests are throttled per submitted email and per client IP
(``KEYWAY["PASSWORD_RESET_THROTTLE"]``); every request counts, whether or not the account
exists, so the throttle reveals nothing either.

After a new password is set, every sign-on session of that person ends (their
applications are told through the logout fan-out and session-bound tokens are revoked),
so whoever knew the old password is signed out everywhere. Tokens the person granted for
offline access are kept: revoking those too is universal logout, an administrator's call.
"""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from apps.accounts.forms import PASSWORD_MAX_LENGTH
from apps.accounts.models import User
from apps.accounts.selectors import user_get_by_subject
from apps.accounts.throttling import Throttle, ThrottlePolicy, account_throttle
from apps.accounts.throttling import retry_after as throttle_retry_after
from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.common.http import client_ip
from apps.sso_sessions.models import EndReason, SignOnSession
from apps.sso_sessions.services import session_end

SUBJECT_TEMPLATE = "accounts/email/password_reset_subject.txt"
BODY_TEMPLATE = "accounts/email/password_reset.txt"
# The sign-on sessions a reset ends. EndReason has no reset-specific value yet; "ended by
# the user from another device" is what happened. The audit event names the cause.
SESSION_END_REASON = EndReason.USER_ENDED


def _throttled_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many password reset requests. Try again in {seconds} {unit}."


def reset_throttles() -> tuple[Throttle, Throttle]:
    policies = keyway_settings.PASSWORD_RESET_THROTTLE
    return (
        Throttle("password-reset-email", ThrottlePolicy(**policies["email"])),
        Throttle("password-reset-ip", ThrottlePolicy(**policies["ip"])),
    )


def _casefold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


def uid_encode(user: User) -> str:
    return urlsafe_base64_encode(user.subject.bytes)


def uid_decode(uidb64: str) -> User | None:
    try:
        subject = uuid.UUID(bytes=urlsafe_base64_decode(uidb64))
    except (TypeError, ValueError):
        return None
    return user_get_by_subject(subject=subject)


class ResetRequestForm(PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].widget.attrs.update({"autocomplete": "username", "autofocus": True})

    def get_users(self, email: str) -> list[User]:
        """Every active account with this address, with or without a usable password:
        imported accounts have none until their owner sets one here."""
        email = email.strip()
        candidates = User.objects.alias(email_lower=Lower("email")).filter(
            email_lower=email.lower(), is_active=True
        )
        # As Django's own form: the database's case-folding must agree with Unicode's, and
        # mail only ever goes to the address stored on the account, never the one typed.
        return [user for user in candidates if _casefold(user.email) == _casefold(email)]

    def send(self, *, request: HttpRequest) -> list[User]:
        """Mail a reset link to each matching account; return the accounts mailed.

        Django's ``save()`` would put the database id in the link; Keyway uses ``subject``.
        ``send_mail`` logs and swallows delivery errors, so a broken mail server neither
        fails the request nor tells the visitor the account exists.
        """
        users = self.get_users(self.cleaned_data["email"])
        for user in users:
            context = {
                "email": user.email,
                "domain": request.get_host(),
                "site_name": "Keyway",
                "uid": uid_encode(user),
                "user": user,
                "token": default_token_generator.make_token(user),
                "protocol": "https" if request.is_secure() else "http",
                "timeout_hours": _timeout_hours(),
            }
            self.send_mail(SUBJECT_TEMPLATE, BODY_TEMPLATE, context, None, user.email)
        return users


def _timeout_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("new_password1", "new_password2"):
            field = self.fields[name]
            field.validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))
            field.widget.attrs["maxlength"] = str(PASSWORD_MAX_LENGTH)
        # The template shows the rules in plain words next to the field.
        self.fields["new_password1"].help_text = ""
        self.fields["new_password1"].widget.attrs.update(
            {"autofocus": True, "aria-describedby": "password-help"}
        )
        self.fields["new_password1"].label = "New password"
        self.fields["new_password2"].label = "New password again"


def _request_page(request: HttpRequest, form: ResetRequestForm, status: int = 200) -> HttpResponse:
    return render(request, "accounts/password_reset_request.html", {"form": form}, status=status)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_request(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _request_page(request, ResetRequestForm())

    form = ResetRequestForm(request.POST)
    if not form.is_valid():
        return _request_page(request, form, status=400)

    email_key = form.cleaned_data["email"].strip().lower()
    ip_key = client_ip(request)
    by_email, by_ip = reset_throttles()
    retry_after = throttle_retry_after((by_email, email_key), (by_ip, ip_key))
    if retry_after:
        event_record(
            type="password_reset.requested",
            outcome=Outcome.DENIED,
            request=request,
            actor_email=email_key,
            data={"reason": "throttled", "retry_after": retry_after},
        )
        form.add_error(None, _throttled_message(retry_after))
        response = _request_page(request, form, status=429)
        response["Retry-After"] = str(retry_after)
        return response

    # Every request counts, known address or not: the throttle must not tell them apart.
    by_email.failure(email_key)
    by_ip.failure(ip_key)
    users = form.send(request=request)
    event_record(
        type="password_reset.requested",
        outcome=Outcome.SUCCESS,
        request=request,
        actor_subject=users[0].subject if len(users) == 1 else None,
        actor_email=email_key,
        data={"accounts_mailed": len(users)},
    )
    return HttpResponseRedirect(reverse("accounts:password_reset_sent"))


@never_cache
@require_http_methods(["GET"])
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_sent.html", {"timeout_hours": _timeout_hours()})


@never_cache
@require_http_methods(["GET"])
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_done.html")


class PasswordResetConfirm(PasswordResetConfirmView):
    """Django's confirm view (the token moves from the URL into the session, so it never
    leaks in a Referer) with Keyway's user lookup, templates and after-reset policy."""

    http_method_names = ["get", "post"]
    form_class = NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_done")
    post_reset_login = False

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and isinstance(response, TemplateResponse):
            response.status_code = 400  # used, expired or tampered link
        return response

    def get_user(self, uidb64: str) -> User | None:
        user = uid_decode(uidb64)
        return user if user is not None and user.is_active else None

    def form_invalid(self, form: NewPasswordForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:
        # One transaction: a new password never stands while the old sessions live on.
        with transaction.atomic():
            response = super().form_valid(form)  # saves the new (Argon2id) hash
            user = form.user
            sessions = list(SignOnSession.objects.filter(user=user, ended_at__isnull=True))
            for session in sessions:
                session_end(session=session, reason=SESSION_END_REASON, request=self.request)
            event_record(
                type="password_reset.completed",
                outcome=Outcome.SUCCESS,
                request=self.request,
                actor_subject=user.subject,
                actor_email=user.email,
                data={"sessions_ended": len(sessions)},
            )
        # Whoever proved control of the mailbox may sign in at once.
        account_throttle().reset(user.email.strip().lower())
        return response


password_reset_confirm = PasswordResetConfirm.as_view()
