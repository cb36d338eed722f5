"""Why an upstream sign-in or logout was refused: a machine reason for the audit log and a
sentence for the person."""

from __future__ import annotations


class FederationRejected(Exception):
    """Raised by the protocol modules and services; views turn it into an error page."""

    def __init__(self, reason: str, message: str = "", *, detail: str = "", status: int = 400):
        super().__init__(reason)
        self.reason = reason
        self.message = message or "The sign-in could not be completed. Please try again."
        # What the library said, for the audit log only (never shown to the person).
        self.detail = detail[:500]
        self.status = status
