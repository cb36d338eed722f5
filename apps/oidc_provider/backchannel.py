"""OpenID Connect Back-Channel Logout 1.0: the OIDC channel of the logout fan-out.

``apps.sso_sessions.fanout`` decides *when* relying parties are told (a session ended, a
user was signed out everywhere) and ``apps.sso_sessions.tasks.logout_deliver`` decides
*how often* (retries with exponential backoff, each attempt recorded). This module does the
protocol part, registered in ``OidcProviderConfig.ready()``:

- ``backchannel_plan`` (the planner): one ``LogoutDelivery`` per relying party to tell;
- ``backchannel_send`` (the sender): one attempt, a signed Logout Token POSTed to the
  relying party's ``backchannel_logout_uri`` (sections 2.4 and 2.5).

Which relying parties are told (section 2.3, "Remembering Logged-In RPs"): the OIDC
participants of the ending session (clients that redeemed a code from it), or for a
user-wide logout the clients holding the user's tokens; of those, every *active* client
with a registered ``backchannel_logout_uri`` (section 2.2). An inactive client gets
``invalid_client`` everywhere else, so it is not contacted here either.

``backchannel_logout_session_required`` (section 2.2) is honoured by always putting the
session's ``sid`` in the token when the logout concerns a session, which is every case
except a user-wide logout of clients that hold tokens outside any live session. Those are
still told, with a token that carries ``sub`` and no ``sid``, even when they registered
``session_required``:

- section 2.6 makes every relying party accept a token with "a sub Claim, a sid Claim, or
  both", and section 2.4 gives a token without ``sid`` exactly the meaning universal logout
  needs: "all sessions at the RP for the End-User identified by the iss and sub Claims";
- Keyway registers clients with ``session_required`` on by default, so skipping them would
  exempt nearly every client from universal logout, a security response;
- a relying party that does refuse it answers 400 (section 2.8), which the delivery records
  as a failure an administrator can see, rather than a silent omission.
"""

from __future__ import annotations

import httpx

from apps.common.conf import keyway_settings
from apps.oidc_provider import keys
from apps.oidc_provider.models import Client
from apps.oidc_provider.oauth import issuer
from apps.oidc_provider.protocol.logout_token import LOGOUT_TOKEN_TYP, logout_token_claims
from apps.sso_sessions.fanout import LogoutNotice
from apps.sso_sessions.models import DeliveryChannel, DeliveryStatus, LogoutDelivery

USER_AGENT = "Keyway-Backchannel-Logout/1.0"


class BackchannelDeliveryError(RuntimeError):
    """A delivery that cannot be attempted (its client no longer exists)."""


def backchannel_plan(notice: LogoutNotice) -> list[LogoutDelivery]:
    """One PENDING ``LogoutDelivery`` per relying party of ``notice`` to tell.

    Runs inside the transaction that ends the session; the fan-out queues the rows once it
    commits. ``target_url`` is the URI registered now: the row shows administrators where
    the notice went even if the registration changes later.
    """
    if not notice.party_ids:
        return []
    clients = (
        Client.objects.filter(client_id__in=notice.party_ids, is_active=True)
        .exclude(backchannel_logout_uri="")
        .order_by("client_id")
    )
    sid = notice.session.sid if notice.session is not None else ""
    return [
        LogoutDelivery.objects.create(
            session=notice.session,
            user=notice.user,
            channel=DeliveryChannel.BACKCHANNEL,
            party_id=client.client_id,
            target_url=client.backchannel_logout_uri,
            sid=sid,
            reason=notice.reason,
            status=DeliveryStatus.PENDING,
        )
        for client in clients
    ]


def backchannel_send(delivery: LogoutDelivery) -> int:
    """One delivery attempt: POST a fresh Logout Token; return the HTTP status.

    Section 2.5: an HTTP POST of ``logout_token=<JWT>`` as
    ``application/x-www-form-urlencoded``. Section 2.8: the relying party answers 200 (or
    204) on success; the task treats any 2xx as delivered and anything else, or an
    exception raised here (refused connection, timeout, TLS), as a failed attempt.

    - The token is built and signed now, for this attempt: every attempt gets its own
      ``iat``/``exp``/``jti``, so a retry an hour later is not refused as expired or as a
      replay (section 2.6 lets relying parties reject a ``jti`` seen before). The ``jti``
      is written to the row before the request, so the row names the token that was
      last on the wire even when the attempt fails.
    - Signed with the keys and algorithm of the client's ID tokens (section 2.4 has
      Logout Tokens signed with the same keys as ID tokens), with ``typ: logout+jwt``
      (section 2.4, RFC 8725 section 3.11) so it can never pass for an ID token.
    - Redirects are not followed: the POST goes only to the URI the client registered and
      Keyway validated (https, or http on loopback). Following a 3xx would let a relying
      party bounce Keyway's request to any host, internal ones included; a 3xx is not the
      200 section 2.8 asks for, so it counts as a failed attempt.
    - The response body is never read (only the status line and headers), and
      ``KEYWAY["LOGOUT_DELIVERY_TIMEOUT"]`` bounds the connect and each read and write:
      an unresponsive endpoint costs a worker seconds per attempt, a large answer nothing.
    """
    client = Client.objects.filter(client_id=delivery.party_id).first()
    if client is None:
        raise BackchannelDeliveryError(f"Client {delivery.party_id!r} no longer exists.")
    claims = logout_token_claims(
        issuer=issuer(),
        client_id=client.client_id,
        subject=str(delivery.user.subject),
        sid=delivery.sid or None,
    )
    token = keys.jwt_sign(claims=claims, algorithm=client.algorithm, typ=LOGOUT_TOKEN_TYP)
    # The task saves only its own fields, so the jti is written here.
    delivery.jti = claims["jti"]
    LogoutDelivery.objects.filter(pk=delivery.pk).update(jti=delivery.jti)
    # httpx rather than urllib: urllib's opener follows 301/302/303 (re-sent as a GET) unless
    # its redirect handler is replaced, and has one timeout for every socket operation;
    # httpx follows nothing unless asked, has separate connect/read/write/pool timeouts and
    # a streaming API, so the body is never read.
    with (
        httpx.Client(
            timeout=httpx.Timeout(keyway_settings.LOGOUT_DELIVERY_TIMEOUT),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        ) as http,
        http.stream("POST", delivery.target_url, data={"logout_token": token}) as response,
    ):
        return response.status_code
