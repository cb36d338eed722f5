"""The API's own writes: the audit record of every write request."""

from __future__ import annotations

from rest_framework.request import Request

from apps.audit.models import Outcome
from apps.audit.services import event_record


def api_write_record(*, request: Request, operation: str, status: int) -> None:
    """One ``api.write`` event per write request: who (client or administrator), which
    operation on which path, and how it ended (denied: 401/403/429)."""
    user = request.user
    if status < 400:
        outcome = Outcome.SUCCESS
    elif status in (401, 403, 429):
        outcome = Outcome.DENIED
    else:
        outcome = Outcome.FAILURE
    event_record(
        type="api.write",
        outcome=outcome,
        request=request,
        actor_subject=getattr(user, "subject", None),
        actor_email=getattr(user, "email", "") or "",
        data={
            "operation": operation,
            "method": request.method,
            "path": request.path,
            "status": status,
            "by": getattr(user, "email", None),
        },
    )
