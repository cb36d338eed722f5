"""OpenID Connect Front-Channel Logout 1.0: telling relying parties through the browser.

When a sign-on session ends in this browser (Keyway's own sign-out page, or RP-Initiated
Logout), the page that says so loads the ``frontchannel_logout_uri`` of every client that
took part in the session in an ``<iframe>`` (section 3), with the ``iss`` and ``sid``
query parameters when the client registered ``frontchannel_logout_session_required``
(section 2). The participants are the session's OIDC ``Participant`` rows (a client joins
when it redeems a code issued in the session); inactive clients are left out.

No script (the Content-Security-Policy forbids inline script): the page's ``frame-src``
names exactly the framed origins, and when there is somewhere to go next (an RP's
``post_logout_redirect_uri``) the page continues there with a ``<meta http-equiv=
"refresh">`` after ``CONTINUE_AFTER_SECONDS``, giving the iframes time to load, and a
plain link for anyone who does not want to wait.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.common.csp import frame_src_allow, origin_of
from apps.oidc_provider.models import Client, redirect_uri_problem
from apps.oidc_provider.oauth import issuer, redirect_with_params
from apps.sso_sessions.models import ParticipantKind
from apps.sso_sessions.selectors import participant_party_ids

CONTINUE_AFTER_SECONDS = 3


@dataclass(frozen=True)
class FrontChannelTarget:
    client_id: str
    name: str
    url: str  # the frontchannel_logout_uri, with iss and sid when the client wants them
    origin: str  # for CSP frame-src


def _target(client: Client, *, sid: str) -> FrontChannelTarget | None:
    uri = client.frontchannel_logout_uri
    origin = origin_of(uri)
    # Section 2: an absolute URI without a fragment; like every URI Keyway sends a browser
    # to, https (plain http only on loopback). Anything else is not framed at all.
    if redirect_uri_problem(uri) or origin is None:
        return None
    if client.frontchannel_logout_session_required:
        uri = redirect_with_params(uri, {"iss": issuer(), "sid": sid})
    return FrontChannelTarget(
        client_id=client.client_id, name=client.name or client.client_id, url=uri, origin=origin
    )


def frontchannel_targets(*, sid: str) -> list[FrontChannelTarget]:
    """The iframes to render once the session ``sid`` has ended (two queries)."""
    party_ids = participant_party_ids(sid=sid, kind=ParticipantKind.OIDC)
    if not party_ids:
        return []
    clients = (
        Client.objects.filter(client_id__in=party_ids, is_active=True)
        .exclude(frontchannel_logout_uri="")
        .order_by("name", "client_id")
    )
    return [target for client in clients if (target := _target(client, sid=sid)) is not None]


def frontchannel_logout_page(
    request: HttpRequest,
    *,
    sid: str | None,
    continue_url: str | None = None,
    continue_name: str = "",
) -> HttpResponse | None:
    """The "you are signed out" page with one iframe per front-channel participant of the
    ended session ``sid``, or None when there is none (the caller answers as before).

    ``continue_url`` (an already validated post-logout redirect, with its ``state``) is
    where the page goes next; ``continue_name`` names it on the link.
    """
    targets = frontchannel_targets(sid=sid) if sid else []
    if not targets:
        return None
    response = render(
        request,
        "oidc_provider/frontchannel_logout.html",
        {
            "targets": targets,
            "continue_url": continue_url,
            "continue_name": continue_name,
            "continue_after": CONTINUE_AFTER_SECONDS,
        },
    )
    return frame_src_allow(response, [target.origin for target in targets])
