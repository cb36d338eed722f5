"""Account writes: creating users, signing in and out."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib import auth
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.authn import ACR_PASSWORD, AMR_PASSWORD, SESSION_KEY, AuthContext
from apps.accounts.models import User
from apps.accounts.throttling import account_throttle, ip_throttle, throttled_state
from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.http import client_ip
from apps.common.metrics import signin_count
from apps.common.ratelimit import RateLimitState
from apps.sso_sessions.models import EndReason
from apps.sso_sessions.selectors import session_by_sid
from apps.sso_sessions.services import session_end, session_start, user_universal_logout


@dataclass(frozen=True)
class SignInAttempt:
    """The outcome of checking credentials: a user, or why not (never which part was wrong)."""

    user: User | None
    # Set when a throttle refused the attempt: Retry-After and RateLimit header values.
    limit: RateLimitState | None = None

    @property
    def throttled(self) -> bool:
        return self.limit is not None

    @property
    def retry_after(self) -> int:
        return self.limit.reset if self.limit is not None else 0


def user_create(
    *,
    email: str,
    password: str | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    **fields: Any,
) -> User:
    with transaction.atomic():
        return User.objects.create_user(
            email, password, is_staff=is_staff, is_superuser=is_superuser, **fields
        )


def user_authenticate(*, request: HttpRequest, email: str, password: str) -> SignInAttempt:
    """Check credentials behind the per-account and per-IP throttles.

    An unknown email, a wrong password and an inactive account all give the same answer,
    and Django's ModelBackend spends a password hash on unknown emails too, so neither the
    response nor its timing tells an attacker which accounts exist.
    """
    account_key = email.strip().lower()
    ip_key = client_ip(request)
    by_account, by_ip = account_throttle(), ip_throttle()

    limit = throttled_state((by_account, account_key), (by_ip, ip_key))
    if limit is not None:
        signin_count(outcome="throttled")
        event_record(
            type="signin",
            outcome=Outcome.DENIED,
            request=request,
            actor_email=account_key,
            data={"reason": "throttled", "retry_after": limit.reset},
        )
        return SignInAttempt(user=None, limit=limit)

    user = auth.authenticate(request, username=email, password=password)
    if user is None:
        by_account.failure(account_key)
        by_ip.failure(ip_key)
        signin_count(outcome="failure")
        event_record(
            type="signin",
            outcome=Outcome.FAILURE,
            request=request,
            actor_email=account_key,
            data={"reason": "invalid_credentials"},
        )
        return SignInAttempt(user=None)

    by_account.reset(account_key)
    return SignInAttempt(user=user)


def user_sign_in(*, request: HttpRequest, user: User) -> AuthContext:
    """Start the browser session. ``auth.login`` issues a new session id (no fixation)
    and a new CSRF token.

    The sign-on session (``apps.sso_sessions``) is started or, when the same person signs
    in again in this browser, renewed with a new ``auth_time`` and the same ``sid``.
    """
    return _sign_in(request=request, user=user, amr=[AMR_PASSWORD], acr=ACR_PASSWORD)


def user_sign_in_federated(
    *, request: HttpRequest, user: User, amr: list[str], acr: str, source: str
) -> AuthContext:
    """As :func:`user_sign_in`, for a person an upstream identity provider vouched for:
    ``amr`` starts with ``fed`` and ``acr`` is what the source maps the upstream's to."""
    return _sign_in(request=request, user=user, amr=amr, acr=acr, audit_data={"source": source})


def _sign_in(
    *,
    request: HttpRequest,
    user: User,
    amr: list[str],
    acr: str,
    audit_data: dict[str, Any] | None = None,
) -> AuthContext:
    previous = AuthContext.from_session(request.session.get(SESSION_KEY))
    # One transaction for the sign-on session, last_login and the audit event: one commit
    # (one WAL flush) per sign-in instead of three, on the path the password hash already
    # makes the slowest.
    with transaction.atomic():
        session = session_start(
            request=request,
            user=user,
            amr=amr,
            acr=acr,
            current_sid=previous.sid if previous else None,
        )
        auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        context = AuthContext(
            sid=session.sid,
            auth_time=int(session.auth_time.timestamp()),
            amr=tuple(session.amr),
            acr=session.acr,
            login_id=secrets.token_urlsafe(12),
        )
        request.session[SESSION_KEY] = context.to_session()
        event_record(
            type="signin",
            outcome=Outcome.SUCCESS,
            request=request,
            actor_subject=user.subject,
            actor_email=user.email,
            data={"sid": context.sid, "amr": list(context.amr), **(audit_data or {})},
        )
    signin_count(outcome="success")
    return context


def user_profile_update(*, user: User, fields: dict[str, str]) -> User:
    """Write the given profile fields, only those that changed."""
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, fields[name])
    if changed:
        user.save(update_fields=[*changed, "updated_at"])
    return user


def user_groups_update(*, user: User, add: list[str], remove: list[str]) -> None:
    """Join the groups in ``add`` (created when missing) and leave those in ``remove``."""
    with transaction.atomic():
        if remove:
            user.groups.remove(*Group.objects.filter(name__in=remove))
        if add:
            existing = set(Group.objects.filter(name__in=add).values_list("name", flat=True))
            Group.objects.bulk_create(
                [Group(name=name) for name in add if name not in existing], ignore_conflicts=True
            )
            user.groups.add(*Group.objects.filter(name__in=add))


def user_sign_out(*, request: HttpRequest, reason: str = EndReason.SIGN_OUT) -> None:
    """Sign out here and, through the sign-on session, everywhere it reached.

    ``reason`` is why the sign-on session ends: ``EndReason.RP_LOGOUT`` when a relying
    party asked for it (OpenID Connect RP-Initiated Logout 1.0).
    """
    user = request.user
    context = AuthContext.from_session(request.session.get(SESSION_KEY))
    if user.is_authenticated:
        event_record(
            type="signout",
            outcome=Outcome.SUCCESS,
            request=request,
            actor_subject=user.subject,
            actor_email=user.email,
        )
        session = session_by_sid(sid=context.sid) if context else None
        if session is not None:
            session_end(session=session, reason=reason, request=request)
    auth.logout(request)


# Fields an administrator may change on an account (the API and the admin); the password,
# subject and staff flags are not among them.
USER_EDITABLE_FIELDS = (
    "email",
    "email_verified",
    "given_name",
    "family_name",
    "display_name",
    "external_id",
)


def _by(actor: Any) -> str | None:
    return getattr(actor, "email", None)


def _clash_on_email(exc: ValidationError) -> ValidationError:
    """The case-insensitive email constraint reports on ``__all__``; name the field."""
    errors = dict(getattr(exc, "message_dict", {}))
    if "__all__" in errors:
        errors.setdefault("email", []).extend(errors.pop("__all__"))
    return ValidationError(errors) if errors else exc


def user_admin_create(
    *,
    email: str,
    password: str | None = None,
    groups: list[str] | None = None,
    request: HttpRequest | None = None,
    actor: Any = None,
    **fields: Any,
) -> User:
    """Create an account as an administrator, with its groups, in one transaction; an
    email already taken (in any case) is a ``ValidationError`` on ``email``."""
    unknown = set(fields) - set(USER_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be set."] for name in unknown})
    with transaction.atomic():
        try:
            user = user_create(email=email, password=password, **fields)
        except ValidationError as exc:
            raise _clash_on_email(exc) from exc
        if groups:
            user_groups_update(user=user, add=groups, remove=[])
        event_record(
            type="user.created",
            outcome=Outcome.SUCCESS,
            request=request,
            actor_subject=user.subject,
            actor_email=user.email,
            data={"groups": sorted(groups or []), "by": _by(actor)},
        )
    return user


def user_update(
    *, user: User, fields: dict[str, Any], request: HttpRequest | None = None, actor: Any = None
) -> User:
    """Change an account's profile as an administrator: every rule of the model (email
    format and case-insensitive uniqueness) is checked first and nothing is written when
    one fails (``ValidationError`` keyed by field). Audited with the changed field names."""
    unknown = set(fields) - set(USER_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in unknown})
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    if not changed:
        return user
    for name in changed:
        setattr(user, name, fields[name])
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise _clash_on_email(exc) from exc
    try:
        with transaction.atomic():
            user.save(update_fields=[*changed, "updated_at"])
            event_record(
                type="user.updated",
                outcome=Outcome.SUCCESS,
                request=request,
                actor_subject=user.subject,
                actor_email=user.email,
                data={"fields": sorted(changed), "by": _by(actor)},
            )
    except IntegrityError as exc:  # a concurrent write of the same email or external_id
        raise ValidationError(
            {"email": ["A user with this email address already exists."]}
        ) from exc
    return user


def user_active_set(
    *,
    user: User,
    active: bool,
    event: str,
    request: HttpRequest | None = None,
    actor: Any = None,
    lock: bool = False,
) -> bool:
    """Allow or stop an account's sign-ins (``is_active``); returns whether it changed.

    Stopping also ends the person's sign-on sessions, revokes their tokens and tells every
    application (``user_universal_logout``): an inactive account's bearer tokens already
    fail introspection and UserInfo, but applications holding sessions must hear of it.
    ``lock`` stops sign-ins as a lock (``locked_at``), which :func:`user_unlock` lifts;
    reactivating clears any lock. ``event`` names the audit event (``user.deactivated``,
    ``user.locked``, ...).
    """
    locked_at = timezone.now() if (lock and not active) else None
    if user.is_active == active and (user.locked_at is None) == (locked_at is None):
        return False
    with transaction.atomic():
        was_active = user.is_active
        user.is_active, user.locked_at = active, locked_at
        user.save(update_fields=["is_active", "locked_at", "updated_at"])
        event_record(
            type=event,
            outcome=Outcome.SUCCESS,
            request=request,
            actor_subject=user.subject,
            actor_email=user.email,
            data={"by": _by(actor)},
        )
        if was_active and not active:
            user_universal_logout(user=user, reason=EndReason.ADMIN, request=request, actor=actor)
    return True


class AccountNotLocked(Exception):
    """Unlock asked for an account that is deactivated, not locked."""


def user_unlock(*, user: User, request: HttpRequest | None = None, actor: Any = None) -> bool:
    """Lift an administrator's lock; a deactivated (not locked) account stays deactivated
    (raises AccountNotLocked). Returns whether anything changed."""
    if user.locked_at is None:
        if not user.is_active:
            raise AccountNotLocked(user.subject)
        return False
    return user_active_set(
        user=user, active=True, event="user.unlocked", request=request, actor=actor
    )
