"""Keeps the browser's Django session in step with its sign-on session.

A sign-on session can end elsewhere — another device, an administrator, universal logout,
an upstream provider — or time out. On the next request this browser is signed out.
Active sessions are renewed (sliding idle timeout). The check reads the cache, not the
database, and runs only when a view looks at ``request.user``: API endpoints (token,
JWKS, discovery) never touch the browser session at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from apps.accounts.authn import SESSION_KEY, AuthContext
from apps.sso_sessions import selectors, services
from apps.sso_sessions.policy import expired_reason


class SignOnSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user  # AuthenticationMiddleware's lazy user, not yet evaluated
        request.user = SimpleLazyObject(lambda: self._checked_user(request, user))
        return self.get_response(request)

    def _checked_user(self, request: HttpRequest, user: object) -> object:
        # Put the plain user back first: auth.logout() below reads and replaces it.
        request.user = user
        if user.is_authenticated:
            self._check(request)
        return request.user

    def _check(self, request: HttpRequest) -> None:
        context = AuthContext.from_session(request.session.get(SESSION_KEY))
        if context is None:
            return  # not signed in through Keyway's pages (e.g. a test's force_login)
        state = selectors.session_state(sid=context.sid)
        if state is None or state.ended:
            auth.logout(request)
            return
        now = time.time()
        reason = expired_reason(
            now=datetime.fromtimestamp(now, tz=UTC),
            idle_expires_at=datetime.fromtimestamp(state.idle_expires_at, tz=UTC),
            absolute_expires_at=datetime.fromtimestamp(state.absolute_expires_at, tz=UTC),
        )
        if reason is not None:
            session = selectors.session_by_sid(sid=context.sid)
            if session is not None:
                services.session_end(session=session, reason=reason, request=request)
            auth.logout(request)
            return
        services.session_touch(sid=context.sid, persisted_activity_at=state.persisted_activity_at)
