"""Single Logout (SAML Profiles 4.4) at the identity provider.

Inbound: a service provider's signed ``LogoutRequest`` (HTTP-Redirect or HTTP-POST)
names a NameID and SessionIndex it was given; every sign-on session that matches ends
through ``apps.sso_sessions`` — which tells every *other* participant (OIDC back-channel,
the other SAML SPs) — and the SP gets a signed ``LogoutResponse``.

Outbound, the SAML channel of the logout fan-out: a signed ``LogoutRequest`` per SAML
participant, sent from Keyway's server (retried by the delivery task), so it reaches SPs
even when no browser is involved (universal logout, an administrator, a timeout). The SP's
registered SingleLogoutService binding decides the form: SOAP (Bindings 3.2, the
back-channel binding), or an HTTP-Redirect GET / HTTP-POST form sent directly — the same
messages a browser would carry, which SPs that end sessions by NameID and SessionIndex
(python3-saml, node-saml, Shibboleth SP) act on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.selectors import session_auth_context
from apps.accounts.services import user_sign_out
from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.saml_idp import selectors
from apps.saml_idp.credentials import signer_current
from apps.saml_idp.inbound import Inbound, signature_check
from apps.saml_idp.models import Binding, ServiceProvider
from apps.saml_idp.processors import bindings
from apps.saml_idp.processors.logout import (
    REASON_ADMIN,
    REASON_USER,
    logout_request_build,
    logout_request_read,
    logout_response_build,
    logout_response_read,
    soap_unwrap,
    soap_wrap,
)
from apps.saml_idp.processors.signatures import element_sign, enveloped_signature_verify
from apps.saml_idp.processors.xml import (
    STATUS_REQUESTER,
    STATUS_SUCCESS,
    SamlError,
    parse,
    to_bytes,
)
from apps.saml_idp.sso import PROTOCOL_SCHEMA, PostMessage
from apps.sso_sessions.fanout import LogoutNotice
from apps.sso_sessions.models import (
    DeliveryChannel,
    DeliveryStatus,
    EndReason,
    LogoutDelivery,
    ParticipantKind,
)
from apps.sso_sessions.selectors import participant_get, sessions_with_participant
from apps.sso_sessions.services import participant_remove, session_end

USER_AGENT = "Keyway-SAML-SLO/1.0"


@dataclass(frozen=True)
class SloReply:
    """How to answer the SP: a redirect, a form to post, or (no SLO endpoint) nothing."""

    redirect_url: str | None = None
    post: PostMessage | None = None


def _reply(
    sp: ServiceProvider, *, in_response_to: str, relay_state: str | None, status: str
) -> SloReply:
    destination = sp.slo_response_url or sp.slo_url
    if not destination:
        return SloReply()
    signer = signer_current()
    response = logout_response_build(
        idp_entity_id=selectors.idp_entity_id(),
        destination=destination,
        in_response_to=in_response_to,
        now=timezone.now(),
        status=status,
    )
    if sp.slo_binding == Binding.REDIRECT:
        return SloReply(
            redirect_url=bindings.redirect_encode(
                url=destination,
                kind="SAMLResponse",
                xml=to_bytes(response),
                relay_state=relay_state,
                key_pem=signer.key_pem,
            )
        )
    signed = element_sign(response, key_pem=signer.key_pem, cert_pem=signer.cert_pem)
    fields = {"SAMLResponse": bindings.post_encode(to_bytes(signed))}
    if relay_state:
        fields["RelayState"] = relay_state
    return SloReply(post=PostMessage(url=destination, fields=fields))


def logout_request_receive(request: HttpRequest, *, inbound: Inbound) -> SloReply:
    """An SP asks to end the session it is part of. Raises SamlError (an error page)
    while the sender is not authenticated; after that, errors go back to the SP."""
    try:
        root = parse(
            inbound.xml, max_bytes=keyway_settings.SAML_MESSAGE_MAX_BYTES, schema=PROTOCOL_SCHEMA
        )
        logout = logout_request_read(root)
        sp = selectors.sp_get(entity_id=logout.issuer)
        if sp is None:
            raise SamlError(f"unknown service provider {logout.issuer!r}")
        # Profiles 4.4.4.1: a LogoutRequest over a front-channel binding MUST be signed.
        if not signature_check(sp, root, inbound.redirect):
            raise SamlError("a LogoutRequest must be signed")
    except SamlError as error:
        event_record(
            type="saml.slo_refused",
            outcome=Outcome.DENIED,
            request=request,
            data={"reason": str(error)},
        )
        raise
    now = timezone.now()
    problem = None
    if logout.destination != selectors.idp_slo_url():
        problem = "the request's Destination is not Keyway's SLO endpoint"
    elif logout.not_on_or_after is not None and logout.not_on_or_after < now - _skew():
        problem = "the LogoutRequest has expired"
    if problem:
        event_record(
            type="saml.slo_refused",
            outcome=Outcome.DENIED,
            request=request,
            data={"reason": problem, "sp": sp.entity_id},
        )
        return _reply(
            sp, in_response_to=logout.id, relay_state=inbound.relay_state, status=STATUS_REQUESTER
        )

    sessions = sessions_with_participant(
        kind=ParticipantKind.SAML,
        party_id=sp.entity_id,
        name_id=logout.name_id,
        session_indexes=logout.session_indexes,
    )
    context = session_auth_context(request=request)
    for session in sessions:
        participant_remove(session=session, kind=ParticipantKind.SAML, party_id=sp.entity_id)
        if context is not None and context.sid == session.sid:
            user_sign_out(request=request, reason=EndReason.RP_LOGOUT)
        else:
            session_end(session=session, reason=EndReason.RP_LOGOUT, request=request)
    event_record(
        type="saml.slo",
        outcome=Outcome.SUCCESS,
        request=request,
        actor_subject=sessions[0].user.subject if sessions else None,
        actor_email=sessions[0].user.email if sessions else "",
        data={"sp": sp.entity_id, "sessions_ended": [s.sid for s in sessions]},
    )
    # Core 3.7.3.2: no matching session is still a success — the principal is signed out.
    return _reply(
        sp, in_response_to=logout.id, relay_state=inbound.relay_state, status=STATUS_SUCCESS
    )


def logout_response_receive(request: HttpRequest, *, inbound: Inbound) -> str:
    """A LogoutResponse arriving through the browser. Keyway sends its LogoutRequests
    server-to-server, so this only happens when an SP answers a delivery by redirecting
    the browser; it is checked and recorded. Returns the status."""
    root = parse(
        inbound.xml, max_bytes=keyway_settings.SAML_MESSAGE_MAX_BYTES, schema=PROTOCOL_SCHEMA
    )
    response = logout_response_read(root)
    sp = selectors.sp_get(entity_id=response.issuer)
    if sp is None:
        raise SamlError(f"unknown service provider {response.issuer!r}")
    signed = signature_check(sp, root, inbound.redirect)
    event_record(
        type="saml.slo_response",
        outcome=Outcome.SUCCESS if response.status == STATUS_SUCCESS else Outcome.FAILURE,
        request=request,
        data={"sp": sp.entity_id, "status": response.status, "signed": signed},
    )
    return response.status


def _skew() -> datetime.timedelta:
    return datetime.timedelta(seconds=keyway_settings.SAML_CLOCK_SKEW)


# --- The fan-out channel -------------------------------------------------------------


def saml_slo_plan(notice: LogoutNotice) -> list[LogoutDelivery]:
    """One delivery per SAML participant of the ending session whose SP has an SLO
    endpoint. SAML SPs hold no tokens, so a user-wide notice without a session has none."""
    if notice.session is None or not notice.party_ids:
        return []
    sps = ServiceProvider.objects.filter(entity_id__in=notice.party_ids, enabled=True).exclude(
        slo_url=""
    )
    return [
        LogoutDelivery.objects.create(
            session=notice.session,
            user=notice.user,
            channel=DeliveryChannel.SAML_SLO,
            party_id=sp.entity_id,
            target_url=sp.slo_url,
            sid=notice.session.sid,
            reason=notice.reason,
            status=DeliveryStatus.PENDING,
        )
        for sp in sps.order_by("entity_id")
    ]


class SloDeliveryError(RuntimeError):
    """The SP could not be told, or answered that it did not sign the person out."""


def saml_slo_send(delivery: LogoutDelivery) -> int:
    """One attempt: a fresh signed LogoutRequest (new ID and NotOnOrAfter per attempt).
    Returns an HTTP status for the delivery task: 2xx when the SP took it."""
    sp = ServiceProvider.objects.filter(entity_id=delivery.party_id).first()
    participant = (
        participant_get(sid=delivery.sid, kind=ParticipantKind.SAML, party_id=delivery.party_id)
        if delivery.sid
        else None
    )
    if sp is None or participant is None or not participant.name_id:
        raise SloDeliveryError("the service provider or its session record no longer exists")
    signer = signer_current()
    message = logout_request_build(
        idp_entity_id=selectors.idp_entity_id(),
        destination=sp.slo_url,
        name_id=participant.name_id,
        name_id_format=participant.name_id_format,
        sp_entity_id=sp.entity_id,
        session_index=participant.session_index,
        now=timezone.now(),
        lifetime_seconds=keyway_settings.SAML_ASSERTION_LIFETIME,
        reason=REASON_USER if delivery.reason in _USER_REASONS else REASON_ADMIN,
    )
    request_id = message.get("ID", "")
    timeout = httpx.Timeout(keyway_settings.LOGOUT_DELIVERY_TIMEOUT)
    headers = {"User-Agent": USER_AGENT}
    # Redirects are never followed: Keyway talks only to the registered endpoint.
    with httpx.Client(timeout=timeout, follow_redirects=False, headers=headers) as client:
        if sp.slo_binding == Binding.REDIRECT:
            url = bindings.redirect_encode(
                url=sp.slo_url,
                kind="SAMLRequest",
                xml=to_bytes(message),
                relay_state=None,
                key_pem=signer.key_pem,
            )
            answer = client.get(url)
        else:
            signed = element_sign(message, key_pem=signer.key_pem, cert_pem=signer.cert_pem)
            if sp.slo_binding == Binding.SOAP:
                answer = client.post(
                    sp.slo_url,
                    content=soap_wrap(signed),
                    headers={
                        "Content-Type": "text/xml; charset=utf-8",
                        "SOAPAction": "http://www.oasis-open.org/committees/security",
                    },
                )
            else:
                answer = client.post(
                    sp.slo_url, data={"SAMLRequest": bindings.post_encode(to_bytes(signed))}
                )
    _answer_check(sp, answer, request_id)
    return 200 if answer.status_code < 400 else answer.status_code


_USER_REASONS = {EndReason.SIGN_OUT, EndReason.RP_LOGOUT, EndReason.USER_ENDED}


def _answer_check(sp: ServiceProvider, answer: httpx.Response, request_id: str) -> None:
    """If the SP answered with a LogoutResponse (in a SOAP body or a redirect), it must be
    for this request, from this SP, and a success."""
    xml: bytes | None = None
    redirect: bindings.RedirectMessage | None = None
    max_bytes = keyway_settings.SAML_MESSAGE_MAX_BYTES
    if sp.slo_binding == Binding.SOAP and answer.status_code == 200:
        xml = to_bytes(soap_unwrap(parse(answer.content[: max_bytes + 1], max_bytes=max_bytes)))
    elif answer.is_redirect and "SAMLResponse=" in answer.headers.get("location", ""):
        query = urlsplit(answer.headers["location"]).query
        if "SAMLResponse" in parse_qs(query):
            redirect = bindings.redirect_decode(query, kind="SAMLResponse", max_bytes=max_bytes)
            xml = redirect.xml
    if xml is None:
        return
    try:
        root = parse(xml, max_bytes=max_bytes)
        response = logout_response_read(root)
        if response.issuer != sp.entity_id or response.in_response_to != request_id:
            raise SamlError("the LogoutResponse does not answer this request")
        if redirect is not None and redirect.signature is not None:
            signature_check(sp, root, redirect)
        elif redirect is None and sp.signing_certificate:
            enveloped_signature_verify(root, cert_pem=sp.signing_certificate)
    except SamlError as error:
        raise SloDeliveryError(str(error)) from error
    if response.status != STATUS_SUCCESS:
        raise SloDeliveryError(f"the service provider answered {response.status}")
