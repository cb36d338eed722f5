"""Claims an access policy obliges Keyway to send a relying party (SiteMinder responses
imported as claims: static values and user attributes), added to ID tokens and userinfo.

They never replace a claim Keyway sets itself: the registered JWT and OIDC claims below
keep their meaning whatever an imported policy says.
"""

from __future__ import annotations

from typing import Any

from apps.policies.selectors import application_access_decide

# RFC 7519 section 4.1, OIDC Core 2 and 5.1 (scope claims are set before, so setdefault
# keeps those too).
RESERVED = frozenset(
    {
        "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "auth_time", "nonce", "acr", "amr",
        "azp", "sid", "at_hash", "c_hash", "events", "cnf",
    }
)  # fmt: skip


def policy_claims(*, user: Any, client_id: str) -> dict[str, str]:
    """The claims the client's policies oblige for ``user`` (none for unmanaged clients)."""
    decision = application_access_decide(user=user, protocol="oidc", party_id=client_id)
    if not decision.allowed:
        return {}
    return {name: value for name, value in decision.claims.items() if name not in RESERVED}


def claims_add(claims: dict[str, Any], extra: dict[str, str]) -> dict[str, Any]:
    for name, value in extra.items():
        claims.setdefault(name, value)
    return claims
