"""The claims of a Logout Token: OpenID Connect Back-Channel Logout 1.0 section 2.4.

Plain data in, plain data out: no database, no settings, no signing. The channel
(``apps.oidc_provider.backchannel``) passes the issuer, the client and the user, and signs
the result with ``keys.jwt_sign(..., typ="logout+jwt")``.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

# Section 2.4: the member of ``events`` that declares the JWT a Logout Token.
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"

# Section 2.4 (and section 4.1, cross-JWT confusion): the ``typ`` JOSE header that
# explicitly types a Logout Token, as RFC 8725 section 3.11 recommends.
LOGOUT_TOKEN_TYP = "logout+jwt"

# Section 2.4 makes ``exp`` REQUIRED; two minutes is the short lifetime OWASP ASVS 10.5.5
# recommends for logout tokens. The token is built afresh for every delivery attempt (see
# ``backchannel.backchannel_send``), so it only has to survive one HTTP round trip plus
# clock skew, and a token leaked from a receiver's logs is useless soon after.
LOGOUT_TOKEN_LIFETIME_SECONDS = 120


def logout_token_claims(
    *,
    issuer: str,
    client_id: str,
    subject: str,
    sid: str | None = None,
    issued_at: int | None = None,
    jti: str | None = None,
) -> dict[str, Any]:
    """The JWT Claims Set of a Logout Token for one relying party (section 2.4).

    - ``iss``, ``aud`` (the ``client_id``: section 2.4 and OIDC Core section 2),
      ``iat`` and ``exp`` (``iat`` + ``LOGOUT_TOKEN_LIFETIME_SECONDS``), ``jti`` (random,
      unique per token: section 2.6 lets relying parties refuse a replayed ``jti``) and
      ``events`` = ``{BACKCHANNEL_LOGOUT_EVENT: {}}`` are always present (REQUIRED).
    - ``sub`` is always present: the user's public subject, the same value as the ID
      token's ``sub``. ``sid`` is added when the logout concerns one sign-on session.
      Section 2.4: "A Logout Token MUST contain either a sub or a sid Claim, and MAY
      contain both." Carrying both lets a relying party that keys its sessions by user
      act as well as one that keys them by ``sid``; without ``sid`` the token means "every
      session of this user at the RP" (same section), which is what a user-wide logout
      (universal logout) asks for.
    - ``nonce`` is never present: section 2.4 PROHIBITS it, so that a Logout Token cannot
      be replayed as an ID token in an authentication response.

    ``issued_at`` (seconds since the epoch) and ``jti`` default to now and a fresh random
    value; pass them to make the result deterministic.
    """
    if not subject and not sid:  # section 2.4: sub or sid MUST be present
        raise ValueError("A Logout Token needs a sub or a sid.")
    iat = int(time.time()) if issued_at is None else int(issued_at)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": client_id,
        "iat": iat,
        "exp": iat + LOGOUT_TOKEN_LIFETIME_SECONDS,
        # 128 bits from the CSPRNG: unique without coordination between workers.
        "jti": jti or secrets.token_urlsafe(16),
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    if subject:
        claims["sub"] = subject
    if sid:
        claims["sid"] = sid
    return claims
