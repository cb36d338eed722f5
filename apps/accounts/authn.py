"""What Keyway knows about how the current browser signed in.

Kept in the Django session at sign-in and read by the OpenID Provider for ``sid``,
``auth_time``, ``acr`` and ``amr``. The sign-on sessions issue moves this into its own
model; the shape (``AuthContext``) is what the rest of Keyway depends on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

SESSION_KEY = "keyway_auth"
# RFC 8176 authentication method reference for a password.
AMR_PASSWORD = "pwd"
# Keyway's authentication context class for a password sign-in.
ACR_PASSWORD = "urn:keyway:acr:password"


@dataclass(frozen=True)
class AuthContext:
    sid: str
    auth_time: int  # epoch seconds
    amr: tuple[str, ...]
    acr: str
    # New at every sign-in, even within the same second: tells "signed in again" apart.
    login_id: str = ""

    def to_session(self) -> dict:
        data = asdict(self)
        data["amr"] = list(self.amr)
        return data

    @classmethod
    def from_session(cls, data: object) -> AuthContext | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                sid=str(data["sid"]),
                auth_time=int(data["auth_time"]),
                amr=tuple(data["amr"]),
                acr=str(data["acr"]),
                login_id=str(data.get("login_id", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None
