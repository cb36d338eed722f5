"""Federation writes: registering sources, signing people in through them (provisioning,
linking, mapping), and logout in both directions.

Every refusal is audited by the caller through :func:`rejection_record`, with the reason
the protocol modules give.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.selectors import session_auth_context, user_get_by_email
from apps.accounts.services import (
    user_create,
    user_groups_update,
    user_profile_update,
    user_sign_in_federated,
    user_sign_out,
)
from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.common.crypto import secret_decrypt, secret_encrypt
from apps.common.http import DocumentFetchError, DocumentTooLarge, document_fetch
from apps.common.x509 import credential_create
from apps.federation.errors import FederationRejected
from apps.federation.models import LinkRule, Source, SourceKind, UpstreamIdentity, UpstreamSession
from apps.federation.oidc_rp import client as oidc
from apps.federation.provisioning import (
    OIDC_DEFAULT_MAP,
    SAML_DEFAULT_MAP,
    LinkDecision,
    UpstreamProfile,
    acr_for,
    link_decide,
    profile_from_claims,
)
from apps.federation.saml_sp import config as saml_config
from apps.federation.saml_sp.authn_request import authn_request_build
from apps.federation.saml_sp.logout import (
    logout_request_accept,
    logout_request_url,
    logout_response_accept,
    sp_metadata,
)
from apps.federation.saml_sp.metadata import IdpMetadata, idp_metadata_parse
from apps.federation.saml_sp.response import response_validate
from apps.federation.saml_sp.stores import outstanding_request_put
from apps.federation.selectors import sources_due_for_metadata_refresh, upstream_sids
from apps.oidc_provider.oauth import issuer
from apps.sso_sessions.models import EndReason
from apps.sso_sessions.selectors import session_by_sid
from apps.sso_sessions.services import session_end

# RFC 8176 has no federation value; "fed" is the common one (Okta, Auth0) for "vouched for
# by another identity provider". Upstream amr values follow it.
AMR_FEDERATED = "fed"
MAX_METADATA_BYTES = 1024 * 1024
_OIDC_PENDING = "federation_oidc_pending"
_MAX_PENDING = 5


@dataclass(frozen=True)
class SignInResult:
    user: Any
    next_url: str


# --- Registration -----------------------------------------------------------------------


def metadata_fetch(*, url: str) -> bytes:
    try:
        return document_fetch(
            url=url,
            max_bytes=MAX_METADATA_BYTES,
            timeout=keyway_settings.FEDERATION_HTTP_TIMEOUT,
            follow_redirects=True,
        )
    except DocumentTooLarge as error:
        raise FederationRejected("metadata_too_large", detail=str(error)) from error
    except DocumentFetchError as error:
        raise FederationRejected("metadata_fetch_failed", detail=str(error)) from error


@dataclass(frozen=True)
class LoadedMetadata:
    parsed: IdpMetadata
    xml: str
    url: str  # "" when the metadata was given as XML


def saml_metadata_load(*, metadata: str) -> LoadedMetadata:
    """Read IdP metadata given as XML text or as an http(s) URL (then re-read by beat).
    Raises FederationRejected when it cannot be fetched or is not usable metadata."""
    metadata = metadata.strip()
    is_url = metadata.startswith(("https://", "http://"))
    xml = metadata_fetch(url=metadata) if is_url else metadata.encode("utf-8")
    return LoadedMetadata(
        parsed=idp_metadata_parse(xml), xml=xml.decode("utf-8"), url=metadata if is_url else ""
    )


def source_save(
    *, source: Source, metadata: LoadedMetadata | None = None, client_secret: str = ""
) -> Source:
    """Validate and save a source (admin and commands): SAML metadata applied and an SP
    signing credential made on first save; an OIDC client secret stored encrypted."""
    if metadata is not None:
        source_metadata_apply(source=source, metadata=metadata)
    if source.kind == SourceKind.SAML and not source.sp_certificate:
        key_pem, cert_pem = credential_create(common_name=f"Keyway SP {source.slug}")
        source.sp_private_key = secret_encrypt(key_pem.encode("ascii"))
        source.sp_certificate = cert_pem
    if client_secret:
        source.client_secret = secret_encrypt(client_secret.encode("utf-8"))
    source.full_clean()
    created = source.pk is None
    source.save()
    event_record(
        type="federation.source_registered" if created else "federation.source_changed",
        outcome=Outcome.SUCCESS,
        data={"source": source.slug, "kind": source.kind},
    )
    return source


def source_metadata_apply(*, source: Source, metadata: LoadedMetadata) -> None:
    """Copy IdP metadata onto the (unsaved) source: endpoints and signing certificates."""
    parsed = metadata.parsed
    source.idp_entity_id = parsed.entity_id
    source.idp_sso_url = parsed.sso_url
    source.idp_slo_url = parsed.slo_url
    source.idp_certificates = list(parsed.certificates)
    source.metadata_xml, source.metadata_url = metadata.xml, metadata.url
    source.metadata_refreshed_at = timezone.now()


def saml_source_register(
    *,
    name: str,
    metadata: str,
    domains: list[str] | None = None,
    slug: str = "",
    link_rule: str = LinkRule.NEVER,
    attribute_map: dict[str, Any] | None = None,
) -> Source:
    """Register an upstream SAML IdP from its metadata: XML text, or an http(s) URL that
    is then re-read by Celery beat."""
    source = Source(
        name=name,
        slug=slug or slugify(name)[:50],
        kind=SourceKind.SAML,
        domains=domains or [],
        link_rule=link_rule,
        attribute_map=attribute_map or {},
    )
    return source_save(source=source, metadata=saml_metadata_load(metadata=metadata))


def oidc_source_register(
    *,
    name: str,
    discovery_url: str,
    client_id: str,
    client_secret: str,
    domains: list[str] | None = None,
    slug: str = "",
    link_rule: str = LinkRule.NEVER,
    attribute_map: dict[str, Any] | None = None,
    scopes: str = "openid email profile",
) -> Source:
    source = Source(
        name=name,
        slug=slug or slugify(name)[:50],
        kind=SourceKind.OIDC,
        domains=domains or [],
        link_rule=link_rule,
        attribute_map=attribute_map or {},
        discovery_url=discovery_url,
        client_id=client_id,
        scopes=scopes,
    )
    return source_save(source=source, client_secret=client_secret)


def saml_metadata_refresh(*, source: Source) -> bool:
    """Re-read URL metadata; True when the certificates or endpoints changed. A broken
    document leaves the source as it was (an IdP outage must not lock everyone out)."""
    try:
        xml = metadata_fetch(url=source.metadata_url)
        parsed = idp_metadata_parse(xml, entity_id=source.idp_entity_id)
    except FederationRejected as error:
        event_record(
            type="federation.metadata_refresh",
            outcome=Outcome.FAILURE,
            data={"source": source.slug, "reason": error.reason, "detail": error.detail},
        )
        return False
    before = (source.idp_sso_url, source.idp_slo_url, list(source.idp_certificates))
    loaded = LoadedMetadata(parsed=parsed, xml=xml.decode("utf-8"), url=source.metadata_url)
    source_metadata_apply(source=source, metadata=loaded)
    source.save()
    changed = before != (source.idp_sso_url, source.idp_slo_url, list(source.idp_certificates))
    event_record(
        type="federation.metadata_refresh",
        outcome=Outcome.SUCCESS,
        data={"source": source.slug, "changed": changed, "certificates": len(parsed.certificates)},
    )
    return changed


def saml_metadata_refresh_due() -> int:
    older_than = timezone.now() - timedelta(
        seconds=keyway_settings.FEDERATION_METADATA_REFRESH_SECONDS
    )
    sources = sources_due_for_metadata_refresh(older_than=older_than)
    for source in sources:
        saml_metadata_refresh(source=source)
    return len(sources)


# --- SAML -------------------------------------------------------------------------------


def _saml_request_data(request: HttpRequest) -> dict[str, Any]:
    """python3-saml's view of the request (it computes the URL the message arrived at)."""
    return {
        "https": "on" if request.is_secure() else "off",
        "http_host": request.get_host(),
        "script_name": request.path,
        "get_data": request.GET.dict(),
        "post_data": request.POST.dict(),
        "query_string": request.META.get("QUERY_STRING", ""),
    }


def saml_settings_for(*, source: Source) -> dict[str, Any]:
    return saml_config.saml_settings(
        endpoints=saml_config.sp_endpoints(base_url=issuer(), slug=source.slug),
        sp_certificate=source.sp_certificate,
        sp_private_key=secret_decrypt(bytes(source.sp_private_key)).decode("ascii"),
        idp_entity_id=source.idp_entity_id,
        idp_sso_url=source.idp_sso_url,
        idp_slo_url=source.idp_slo_url,
        idp_certificates=list(source.idp_certificates),
    )


def sp_metadata_xml(*, source: Source) -> str:
    return sp_metadata(settings=saml_settings_for(source=source))


def saml_sign_in_start(*, request: HttpRequest, source: Source, next_url: str) -> str:
    """A signed AuthnRequest (HTTP-Redirect binding); its id is remembered for the ACS."""
    authn_request = authn_request_build(
        settings=saml_settings_for(source=source), request_data=_saml_request_data(request)
    )
    outstanding_request_put(
        slug=source.slug,
        request_id=authn_request.request_id,
        next_url=next_url,
        ttl=keyway_settings.FEDERATION_REQUEST_TTL,
    )
    event_record(
        type="federation.signin_started",
        outcome=Outcome.SUCCESS,
        request=request,
        data={"source": source.slug, "request_id": authn_request.request_id},
    )
    return authn_request.url


def saml_sign_in_complete(*, request: HttpRequest, source: Source) -> SignInResult:
    assertion = response_validate(
        settings=saml_settings_for(source=source),
        request_data=_saml_request_data(request),
        saml_response=request.POST.get("SAMLResponse", ""),
        slug=source.slug,
        skew_seconds=keyway_settings.FEDERATION_CLOCK_SKEW,
    )
    profile = profile_from_claims(
        claims=assertion.attributes,
        attribute_map=source.attribute_map,
        defaults=SAML_DEFAULT_MAP,
        name_id=assertion.name_id,
        name_id_format=assertion.name_id_format,
    )
    user = _upstream_sign_in(
        request=request,
        source=source,
        subject=assertion.name_id,
        profile=profile,
        upstream_acrs=list(assertion.authn_contexts),
        upstream_amr=[],
        session_fields={
            "name_id_format": assertion.name_id_format,
            "session_index": assertion.session_index,
        },
    )
    return SignInResult(user=user, next_url=assertion.next_url)


def saml_logout_inbound(*, request: HttpRequest, source: Source) -> str:
    """A LogoutRequest from the upstream IdP: end the Keyway sessions it names (which tells
    every relying party), answer with a signed LogoutResponse."""
    logout = logout_request_accept(
        settings=saml_settings_for(source=source), request_data=_saml_request_data(request)
    )
    sids = upstream_sids(
        source=source, subject=logout.name_id, session_indexes=logout.session_indexes
    )
    for sid in sids:
        session = session_by_sid(sid=sid)
        if session is not None:
            session_end(session=session, reason=EndReason.UPSTREAM_LOGOUT, request=request)
    event_record(
        type="federation.upstream_logout",
        outcome=Outcome.SUCCESS,
        request=request,
        data={"source": source.slug, "sessions_ended": len(sids)},
    )
    return logout.redirect_url


def saml_logout_response_accept(*, request: HttpRequest, source: Source) -> None:
    logout_response_accept(
        settings=saml_settings_for(source=source), request_data=_saml_request_data(request)
    )


# --- OpenID Connect ---------------------------------------------------------------------


def oidc_redirect_uri(*, slug: str) -> str:
    return f"{issuer()}{resolve_url('federation:oidc_callback', slug=slug)}"


def oidc_upstream(*, source: Source) -> oidc.Upstream:
    return oidc.Upstream(
        discovery_url=source.discovery_url,
        client_id=source.client_id,
        client_secret=secret_decrypt(bytes(source.client_secret)).decode("utf-8"),
        scopes=source.scopes,
        redirect_uri=oidc_redirect_uri(slug=source.slug),
        timeout=keyway_settings.FEDERATION_HTTP_TIMEOUT,
        skew_seconds=keyway_settings.FEDERATION_CLOCK_SKEW,
    )


def oidc_sign_in_start(*, request: HttpRequest, source: Source, next_url: str) -> str:
    """The upstream's authorization URL. state, nonce and the PKCE verifier stay in this
    browser's session: the callback is a top-level GET, so the session cookie comes back."""
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    url = oidc.authorization_url(
        upstream=oidc_upstream(source=source), state=state, nonce=nonce, code_verifier=verifier
    )
    pending = dict(request.session.get(_OIDC_PENDING, {}))
    # A few sign-ins may be under way in several tabs; the oldest ones are forgotten.
    while len(pending) >= _MAX_PENDING:
        pending.pop(next(iter(pending)))
    pending[state] = {
        "source": source.slug,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url,
        "expires": int(timezone.now().timestamp()) + keyway_settings.FEDERATION_REQUEST_TTL,
    }
    request.session[_OIDC_PENDING] = pending
    event_record(
        type="federation.signin_started",
        outcome=Outcome.SUCCESS,
        request=request,
        data={"source": source.slug},
    )
    return url


def oidc_sign_in_complete(*, request: HttpRequest, source: Source) -> SignInResult:
    pending = dict(request.session.get(_OIDC_PENDING, {}))
    state = request.GET.get("state", "")
    flow = pending.pop(state, None) if state else None
    request.session[_OIDC_PENDING] = pending  # single use, whatever happens next
    if flow is None or flow["source"] != source.slug:
        raise FederationRejected("unknown_state")
    if flow["expires"] < timezone.now().timestamp():
        raise FederationRejected("state_expired")
    if request.GET.get("error"):
        raise FederationRejected(
            "upstream_error",
            detail=f"{request.GET['error']}: {request.GET.get('error_description', '')}",
        )
    upstream = oidc_upstream(source=source)
    metadata = oidc.provider_metadata(upstream)
    # RFC 9207: a provider that sends iss must send its own (mix-up attacks).
    if request.GET.get("iss") and request.GET["iss"] != metadata["issuer"]:
        raise FederationRejected("issuer_mismatch")
    if metadata.get("authorization_response_iss_parameter_supported") and not request.GET.get(
        "iss"
    ):
        raise FederationRejected("issuer_missing")
    if not request.GET.get("code"):
        raise FederationRejected("no_code")
    token = oidc.code_exchange(
        upstream=upstream, code=request.GET["code"], code_verifier=flow["verifier"]
    )
    claims = oidc.id_token_validate(
        upstream=upstream, id_token=token["id_token"], nonce=flow["nonce"]
    )
    userinfo = oidc.userinfo_get(
        upstream=upstream, access_token=token["access_token"], subject=claims["sub"]
    )
    merged = {**claims, **userinfo}
    profile = profile_from_claims(
        claims=merged, attribute_map=source.attribute_map, defaults=OIDC_DEFAULT_MAP
    )
    acr = claims.get("acr")
    amr = claims.get("amr") if isinstance(claims.get("amr"), list) else []
    user = _upstream_sign_in(
        request=request,
        source=source,
        subject=str(claims["sub"]),
        profile=profile,
        upstream_acrs=[acr] if isinstance(acr, str) else [],
        upstream_amr=[str(value) for value in amr][:5],
        session_fields={"id_token": token["id_token"]},
    )
    return SignInResult(user=user, next_url=flow["next"])


# --- Accounts ---------------------------------------------------------------------------


def _account_for(*, source: Source, subject: str, profile: UpstreamProfile) -> tuple[Any, str]:
    """The Keyway user behind this upstream identity: known, linked or new."""
    identity = (
        UpstreamIdentity.objects.select_related("user")
        .select_for_update()
        .filter(source=source, subject=subject)
        .first()
    )
    if identity is not None:
        return identity.user, "known"
    if not profile.email:
        raise FederationRejected(
            "no_email", "Your identity provider did not send an email address.", status=403
        )
    existing = user_get_by_email(email=profile.email)
    decision = link_decide(
        rule=source.link_rule,
        profile=profile,
        domains=list(source.domains),
        account_exists=existing is not None,
    )
    if decision is LinkDecision.REFUSE:
        raise FederationRejected(
            "account_exists_not_linked",
            "An account with this email address already exists and cannot be joined to "
            "this identity provider. Sign in with your password, or ask an administrator.",
            status=403,
        )
    user = existing or user_create(
        email=profile.email, password=None, email_verified=profile.email_verified
    )
    return user, decision.value


def _upstream_sign_in(
    *,
    request: HttpRequest,
    source: Source,
    subject: str,
    profile: UpstreamProfile,
    upstream_acrs: list[str],
    upstream_amr: list[str],
    session_fields: dict[str, str],
) -> Any:
    if not subject:
        raise FederationRejected("no_subject")
    try:
        with transaction.atomic():
            user, how = _account_for(source=source, subject=subject, profile=profile)
            if not user.is_active:
                raise FederationRejected(
                    "account_inactive", "This account is disabled.", status=403
                )
            identity, _ = UpstreamIdentity.objects.get_or_create(
                source=source, subject=subject, defaults={"user": user}
            )
            # Mapping applies at every sign-in: the upstream is where these are managed.
            user_profile_update(user=user, fields=profile.user_fields())
            previous = set(identity.groups)
            user_groups_update(
                user=user,
                add=list(profile.groups),
                remove=sorted(previous - set(profile.groups)),
            )
            identity.groups = list(profile.groups)
            identity.last_sign_in_at = timezone.now()
            identity.save(update_fields=["groups", "last_sign_in_at"])
            context = user_sign_in_federated(
                request=request,
                user=user,
                amr=[AMR_FEDERATED, *[a for a in upstream_amr if a != AMR_FEDERATED]],
                acr=acr_for(
                    upstream_acrs=upstream_acrs, acr_map=source.acr_map, default=source.default_acr
                ),
                source=source.slug,
            )
            UpstreamSession.objects.create(
                sid=context.sid, source=source, subject=subject, **session_fields
            )
    except IntegrityError as error:  # a concurrent first sign-in of the same person
        raise FederationRejected("concurrent_sign_in", detail=str(error), status=409) from error
    event_record(
        type="federation.signin",
        outcome=Outcome.SUCCESS,
        request=request,
        actor_subject=user.subject,
        actor_email=user.email,
        data={
            "source": source.slug,
            "account": how,
            "upstream_acr": upstream_acrs[:1],
            "groups": list(profile.groups)[:20],
        },
    )
    return user


def rejection_record(
    *, request: HttpRequest, source: Source | None, error: FederationRejected
) -> None:
    event_record(
        type="federation.rejected",
        outcome=Outcome.DENIED,
        request=request,
        data={
            "source": source.slug if source else None,
            "reason": error.reason,
            "detail": error.detail,
        },
    )


# --- Local sign-out ---------------------------------------------------------------------


def upstream_logout_url(*, request: HttpRequest, sid: str, return_to: str) -> str:
    """Where to send the browser so the upstream ends its session too ("" if nowhere).
    Call before ending the Keyway session."""
    from apps.federation.selectors import upstream_session_for_sid

    row = upstream_session_for_sid(sid=sid)
    if row is None or not row.source.enabled:
        return ""
    source = row.source
    if source.kind == SourceKind.SAML:
        if not source.idp_slo_url:
            return ""
        return logout_request_url(
            settings=saml_settings_for(source=source),
            request_data=_saml_request_data(request),
            name_id=row.subject,
            name_id_format=row.name_id_format,
            session_index=row.session_index,
            return_to=return_to,
        )
    if not row.id_token:
        return ""
    return oidc.end_session_url(
        upstream=oidc_upstream(source=source),
        id_token=row.id_token,
        post_logout_redirect_uri=return_to,
    )


def upstream_return_url() -> str:
    """Where an upstream sends the browser after its logout (its post-logout redirect URI
    or the RelayState of Keyway's LogoutRequest): Keyway's signed-out page."""
    return f"{issuer()}{resolve_url('accounts:signout')}"


def upstream_sign_out_url(request: HttpRequest, sid: str) -> str:
    """The upstream logout URL for session ``sid``, or "" (none, or unreachable: the local
    sign-out still happens). Registered as the accounts app's sign-out hook."""
    try:
        return upstream_logout_url(request=request, sid=sid, return_to=upstream_return_url())
    except FederationRejected:
        return ""


def federated_sign_out(*, request: HttpRequest) -> str:
    """Sign out here (and of every relying party), then of the upstream when it can be
    told: returns the upstream's logout URL, or "" when there is none."""
    context = session_auth_context(request=request)
    url = upstream_sign_out_url(request, context.sid) if context is not None else ""
    user_sign_out(request=request)
    return url


# Source settings an administrator may change (the API's PATCH); SAML endpoints and
# certificates come from metadata, the OIDC client secret is write-only.
SOURCE_CHANGEABLE_FIELDS = (
    "name",
    "enabled",
    "domains",
    "link_rule",
    "attribute_map",
    "default_acr",
    "acr_map",
    "discovery_url",
    "client_id",
    "scopes",
)


def source_change(
    *,
    source: Source,
    fields: dict[str, Any],
    metadata: str = "",
    client_secret: str = "",
) -> Source:
    """Change a source: settings, new SAML metadata (XML or URL), a new OIDC client
    secret. Validated by the model (``ValidationError``) or the metadata reader
    (``FederationRejected``); nothing is written when either fails."""
    unknown = set(fields) - set(SOURCE_CHANGEABLE_FIELDS)
    if unknown:
        from django.core.exceptions import ValidationError

        raise ValidationError({name: ["This field cannot be changed."] for name in unknown})
    for name, value in fields.items():
        setattr(source, name, value)
    loaded = saml_metadata_load(metadata=metadata) if metadata else None
    with transaction.atomic():
        return source_save(source=source, metadata=loaded, client_secret=client_secret)
