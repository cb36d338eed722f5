"""Which claims a relying party sees, by scope.

OpenID Connect Core 1.0 section 5.4 maps the ``profile`` and ``email`` scopes onto the
standard claims of section 5.1; ``groups`` is Keyway's own scope for group names. ``sub``
is always returned (section 5.3.2: "The sub Claim MUST always be returned").

Plain data in, plain data out: the caller turns a user into ``UserClaims`` first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": ("name", "given_name", "family_name", "preferred_username", "updated_at"),
    "email": ("email", "email_verified"),
    "groups": ("groups",),
}


@dataclass(frozen=True)
class UserClaims:
    sub: str
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    preferred_username: str = ""
    email: str = ""
    email_verified: bool = False
    updated_at: int | None = None
    groups: tuple[str, ...] = field(default_factory=tuple)


def claims_for_scopes(user: UserClaims, scopes: Iterable[str]) -> dict[str, object]:
    """The claims ``scopes`` release, leaving out empty ones (section 5.3.2: claims with
    no value SHOULD be omitted rather than sent as empty strings or null)."""
    granted = set(scopes)
    claims: dict[str, object] = {"sub": user.sub}
    for scope, names in SCOPE_CLAIMS.items():
        if scope not in granted:
            continue
        for name in names:
            value = getattr(user, name)
            if name == "groups":
                claims[name] = list(value)
            elif name == "email_verified":
                if user.email:
                    claims[name] = bool(value)
            elif value not in ("", None):
                claims[name] = value
    return claims


def claims_supported() -> list[str]:
    """For the discovery document's ``claims_supported``."""
    names = [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "acr",
        "amr",
        "sid",
        "at_hash",
    ]
    for scope_names in SCOPE_CLAIMS.values():
        names.extend(scope_names)
    return names
