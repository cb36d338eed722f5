"""Web Browser SSO (SAML Profiles 4.1): from a received AuthnRequest, or an IdP-initiated
start, to the Response the browser posts to the service provider.

1. :func:`authn_request_receive` decodes and checks the request (binding, size, schema,
   known SP, signature, Destination, freshness, ACS, NameID policy) into a
   :class:`PendingSso` kept in the browser's session;
2. :func:`sso_continue` decides once the person is (or is not) signed in: sign in
   (again, for ``ForceAuthn`` or a stronger ``acr``), ``NoPassive``, ``RequestDenied``
   (access policy), or a Response — and records the SP as a participant of the sign-on
   session with the SessionIndex and NameID it was given.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.authn import AuthContext
from apps.accounts.selectors import user_group_names
from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.policies.selectors import application_access_decide
from apps.saml_idp import selectors
from apps.saml_idp.credentials import signer_current
from apps.saml_idp.inbound import signature_check
from apps.saml_idp.models import NameIdFormat, ServiceProvider
from apps.saml_idp.processors import bindings
from apps.saml_idp.processors.authn_request import (
    acs_choose,
    acs_default,
    authn_request_read,
    freshness_problem,
    nameid_format_choose,
)
from apps.saml_idp.processors.response import (
    AssertionFacts,
    error_response_build,
    response_build,
)
from apps.saml_idp.processors.xml import (
    STATUS_INVALID_NAMEID_POLICY,
    STATUS_NO_AUTHN_CONTEXT,
    STATUS_NO_PASSIVE,
    STATUS_REQUEST_DENIED,
    STATUS_REQUESTER,
    STATUS_RESPONDER,
    SamlError,
    parse,
)
from apps.saml_idp.services import persistent_name_id_get
from apps.sso_sessions.models import ParticipantKind
from apps.sso_sessions.policy import acr_satisfies
from apps.sso_sessions.selectors import participant_get
from apps.sso_sessions.services import participant_record

PROTOCOL_SCHEMA = "saml-schema-protocol-2.0.xsd"


@dataclass
class PendingSso:
    """An SSO request waiting for the person to sign in (kept in the Django session)."""

    sp_entity_id: str
    acs_url: str
    request_id: str | None  # None: IdP-initiated (unsolicited)
    relay_state: str | None
    force_authn: bool = False
    is_passive: bool = False
    nameid_format: str = NameIdFormat.EMAIL
    requested_contexts: list[str] = field(default_factory=list)
    # The sign-in current when the browser first reached the continuation (ForceAuthn and
    # step-up need a newer one). Read there, not when the request arrives: an HTTP-POST
    # request comes cross-site, without Keyway's SameSite=Lax session cookie.
    login_id: str | None = None
    login_seen: bool = False
    key: str = field(default_factory=lambda: secrets.token_urlsafe(24))


@dataclass(frozen=True)
class PostMessage:
    """An HTTP-POST binding message for the browser to carry (Bindings 3.5)."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class SsoStep:
    """What :func:`sso_continue` decided: a message to post, or sign in first."""

    message: PostMessage | None = None
    signin: bool = False


def _audit_refusal(request: HttpRequest, reason: str, **data: Any) -> None:
    event_record(
        type="saml.sso_refused",
        outcome=Outcome.DENIED,
        request=request,
        actor_subject=getattr(request.user, "subject", None),
        actor_email=getattr(request.user, "email", ""),
        data={"reason": reason, **data},
    )


def authn_request_receive(
    request: HttpRequest,
    *,
    xml: bytes,
    redirect: bindings.RedirectMessage | None,
    relay_state: str | None,
) -> PendingSso:
    """Check an AuthnRequest; store and return it. Raises SamlError (shown as an error
    page: nothing about such a request can be trusted to answer it)."""
    try:
        root = parse(xml, max_bytes=keyway_settings.SAML_MESSAGE_MAX_BYTES, schema=PROTOCOL_SCHEMA)
        authn = authn_request_read(root)
        sp = selectors.sp_get(entity_id=authn.issuer)
        if sp is None:
            raise SamlError(f"unknown service provider {authn.issuer!r}")
        signed = signature_check(sp, root, redirect)
        if sp.require_signed_requests and not signed:
            raise SamlError("this service provider's requests must be signed")
        # Bindings 3.4.5.2 / 3.5.5.2: a signed message's Destination MUST match where it
        # arrived; an unsigned one is checked too when present.
        if (signed and not authn.destination) or (
            authn.destination and authn.destination != selectors.idp_sso_url()
        ):
            raise SamlError("the request's Destination is not Keyway's SSO endpoint")
        problem = freshness_problem(
            authn,
            now=timezone.now(),
            skew=keyway_settings.SAML_CLOCK_SKEW,
            max_age=keyway_settings.SAML_REQUEST_MAX_AGE,
        )
        if problem:
            raise SamlError(problem)
        acs = acs_choose(authn, selectors.sp_acs_endpoints(sp=sp))
    except SamlError as error:
        _audit_refusal(request, str(error))
        raise
    pending = PendingSso(
        sp_entity_id=sp.entity_id,
        acs_url=acs.url,
        request_id=authn.id,
        relay_state=relay_state,
        force_authn=authn.force_authn,
        is_passive=authn.is_passive,
        nameid_format=sp.nameid_format,
        requested_contexts=list(authn.requested_authn_contexts),
    )
    try:
        pending.nameid_format = nameid_format_choose(
            authn.nameid_format, configured=sp.nameid_format
        )
    except SamlError as error:
        _audit_refusal(request, str(error), sp=sp.entity_id)
        pending.nameid_format = ""  # answered with InvalidNameIDPolicy by sso_continue
    _pending_store(request, pending)
    return pending


def idp_initiated_start(
    request: HttpRequest, *, entity_id: str, relay_state: str | None
) -> PendingSso:
    """Unsolicited SSO (Profiles 4.1.5), only to SPs registered to accept it."""
    sp = selectors.sp_get(entity_id=entity_id)
    if sp is None or not sp.allow_idp_initiated:
        reason = "unknown service provider" if sp is None else "IdP-initiated sign-on not allowed"
        _audit_refusal(request, reason, sp=entity_id)
        raise SamlError(reason)
    if relay_state is not None and len(relay_state) > bindings.RELAY_STATE_MAX:
        raise SamlError("RelayState is too long")
    acs = acs_default(selectors.sp_acs_endpoints(sp=sp))
    pending = PendingSso(
        sp_entity_id=sp.entity_id,
        acs_url=acs.url,
        request_id=None,
        relay_state=relay_state,
        nameid_format=sp.nameid_format,
    )
    _pending_store(request, pending)
    return pending


def _pending_cache_key(key: str) -> str:
    return f"saml:pending:{key}"


def _pending_store(request: HttpRequest, pending: PendingSso) -> None:
    """Pending requests live in the cache under an unguessable key, not in the browser's
    session: writing the session while the browser's cookie is absent (a cross-site POST)
    would start a new session and replace the person's signed-in cookie."""
    cache.set(
        _pending_cache_key(pending.key),
        asdict(pending),
        keyway_settings.SAML_REQUEST_MAX_AGE + keyway_settings.SAML_CLOCK_SKEW,
    )


def pending_get(request: HttpRequest, key: str) -> PendingSso | None:
    data = cache.get(_pending_cache_key(key)) if key else None
    return PendingSso(**data) if isinstance(data, dict) else None


def _pending_drop(request: HttpRequest, key: str) -> None:
    """Answered: one response per request."""
    cache.delete(_pending_cache_key(key))


def _authn_context(acr: str) -> str:
    return keyway_settings.SAML_AUTHN_CONTEXT_CLASSES.get(acr, acr)


def _context_satisfied(requested: list[str], session_acr: str) -> bool:
    """RequestedAuthnContext (Core 3.3.2.2.1), read as "this class or stronger" against
    Keyway's ordered ``ACR_LEVELS``; classes Keyway does not know match only exactly."""
    if not requested:
        return True
    by_class = {v: k for k, v in keyway_settings.SAML_AUTHN_CONTEXT_CLASSES.items()}
    for wanted in requested:
        acr = by_class.get(wanted, wanted)
        if acr == session_acr or (
            acr in keyway_settings.ACR_LEVELS
            and acr_satisfies(session_acr=session_acr, required_acr=acr)
        ):
            return True
    return False


def _error(
    pending: PendingSso, sub_status: str, message: str, status: str = STATUS_RESPONDER
) -> PostMessage:
    xml = error_response_build(
        idp_entity_id=selectors.idp_entity_id(),
        destination=pending.acs_url,
        in_response_to=pending.request_id,
        status=status,
        sub_status=sub_status,
        message=message,
        now=timezone.now(),
        signer=signer_current(),
    )
    return _post(pending, xml)


def _post(pending: PendingSso, xml: bytes) -> PostMessage:
    fields = {"SAMLResponse": bindings.post_encode(xml)}
    if pending.relay_state:
        fields["RelayState"] = pending.relay_state
    return PostMessage(url=pending.acs_url, fields=fields)


def sso_continue(
    request: HttpRequest, *, pending: PendingSso, context: AuthContext | None
) -> SsoStep:
    sp = selectors.sp_get(entity_id=pending.sp_entity_id)
    if sp is None:
        _pending_drop(request, pending.key)
        raise SamlError("the service provider is no longer registered")
    if not pending.nameid_format:
        _pending_drop(request, pending.key)
        return SsoStep(
            message=_error(
                pending,
                STATUS_INVALID_NAMEID_POLICY,
                "The requested NameID format is not offered.",
                status=STATUS_REQUESTER,
            )
        )
    if not pending.login_seen:
        pending.login_id = context.login_id if context else None
        pending.login_seen = True
        _pending_store(request, pending)
    fresh_enough = context is not None and (
        not pending.force_authn or context.login_id != pending.login_id
    )
    if not fresh_enough:
        if pending.is_passive:
            # Core 3.4.1: IsPassive forbids taking control of the user interface.
            _pending_drop(request, pending.key)
            _audit_refusal(request, "no_passive", sp=sp.entity_id)
            return SsoStep(message=_error(pending, STATUS_NO_PASSIVE, "Sign-in is needed."))
        return SsoStep(signin=True)

    user = request.user
    decision = application_access_decide(
        user=user, protocol="saml", party_id=sp.entity_id, method="GET"
    )
    if not decision.allowed:
        _pending_drop(request, pending.key)
        _audit_refusal(request, "access_denied", sp=sp.entity_id, reasons=list(decision.reasons))
        return SsoStep(
            message=_error(pending, STATUS_REQUEST_DENIED, "Access to this application is denied.")
        )
    required = [decision.required_acr] if decision.required_acr else []
    if required and not acr_satisfies(session_acr=context.acr, required_acr=required[0]):
        # Step up by signing in again, once: a sign-in since the request that still falls
        # short means Keyway's sign-in cannot reach that level.
        signed_in_since = context.login_id != pending.login_id
        if pending.is_passive or signed_in_since or required[0] not in keyway_settings.ACR_LEVELS:
            _pending_drop(request, pending.key)
            return SsoStep(
                message=_error(pending, STATUS_NO_AUTHN_CONTEXT, "Stronger sign-in is needed.")
            )
        return SsoStep(signin=True)
    if not _context_satisfied(pending.requested_contexts, context.acr):
        _pending_drop(request, pending.key)
        _audit_refusal(request, "no_authn_context", sp=sp.entity_id)
        return SsoStep(
            message=_error(
                pending, STATUS_NO_AUTHN_CONTEXT, "The requested sign-in method is not available."
            )
        )

    message = _issue(request, sp=sp, pending=pending, context=context, claims=decision.claims)
    _pending_drop(request, pending.key)
    return SsoStep(message=message)


def _attributes(user: Any, mapping: dict[str, str], claims: dict[str, str]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, field_name in mapping.items():
        if field_name == "groups":
            values[name] = user_group_names(user=user)
        elif field_name == "subject":
            values[name] = [str(user.subject)]
        elif field_name == "name":
            values[name] = [user.name] if user.name else []
        else:
            value = getattr(user, field_name, "")
            values[name] = [value] if value else []
    # Access-policy obligations (imported SiteMinder responses) travel as attributes too.
    for name, value in claims.items():
        values.setdefault(name, [value])
    return {name: v for name, v in values.items() if v}


def _name_id(user: Any, sp: ServiceProvider, name_format: str, previous: Any) -> str:
    if name_format == NameIdFormat.EMAIL:
        return user.email
    if name_format == NameIdFormat.PERSISTENT:
        return persistent_name_id_get(user=user, sp=sp)
    # Transient: one per session and SP, so Single Logout can name it again.
    if previous is not None and previous.name_id_format == name_format and previous.name_id:
        return previous.name_id
    return secrets.token_urlsafe(24)


def _issue(
    request: HttpRequest,
    *,
    sp: ServiceProvider,
    pending: PendingSso,
    context: AuthContext,
    claims: dict[str, str],
) -> PostMessage:
    user = request.user
    previous = participant_get(sid=context.sid, kind=ParticipantKind.SAML, party_id=sp.entity_id)
    session_index = (previous.session_index if previous and previous.session_index else None) or (
        "_" + secrets.token_hex(16)
    )
    name_id = _name_id(user, sp, pending.nameid_format, previous)
    now = timezone.now()
    facts = AssertionFacts(
        idp_entity_id=selectors.idp_entity_id(),
        sp_entity_id=sp.entity_id,
        acs_url=pending.acs_url,
        in_response_to=pending.request_id,
        name_id=name_id,
        name_id_format=pending.nameid_format,
        session_index=session_index,
        authn_instant=datetime.datetime.fromtimestamp(context.auth_time, tz=datetime.UTC),
        authn_context=_authn_context(context.acr),
        now=now,
        lifetime_seconds=keyway_settings.SAML_ASSERTION_LIFETIME,
        attributes=_attributes(user, sp.attribute_mapping, claims),
        name_qualifiers=pending.nameid_format == NameIdFormat.PERSISTENT,
    )
    xml = response_build(
        facts,
        signer=signer_current(),
        sign_assertion=sp.sign_assertion,
        sign_response=sp.sign_response,
        encryption_cert_pem=sp.encryption_certificate if sp.encrypt_assertion else None,
    )
    participant_record(
        sid=context.sid,
        kind=ParticipantKind.SAML,
        party_id=sp.entity_id,
        session_index=session_index,
        name_id=name_id,
        name_id_format=pending.nameid_format,
    )
    event_record(
        type="saml.sso",
        outcome=Outcome.SUCCESS,
        request=request,
        actor_subject=user.subject,
        actor_email=user.email,
        data={
            "sp": sp.entity_id,
            "sid": context.sid,
            "in_response_to": pending.request_id,
            "idp_initiated": pending.request_id is None,
            "attributes": sorted(facts.attributes),
        },
    )
    return _post(pending, xml)
