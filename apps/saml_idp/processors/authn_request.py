"""Reading an ``AuthnRequest`` (SAML Core 3.4.1) and checking it against SAML Profiles
4.1.4.1 (Web Browser SSO). Plain data in, plain data out: the caller supplies the
service provider's registration as an :class:`SpFacts`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from lxml import etree

from apps.saml_idp.processors.xml import (
    NAMEID_UNSPECIFIED,
    NS,
    SAMLP,
    STATUS_INVALID_NAMEID_POLICY,
    STATUS_REQUESTER,
    STATUS_UNSUPPORTED_BINDING,
    SamlError,
    child_text,
)

POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


@dataclass(frozen=True)
class AuthnRequest:
    id: str
    issuer: str
    issue_instant: datetime.datetime
    destination: str | None
    acs_url: str | None
    acs_index: int | None
    protocol_binding: str | None
    force_authn: bool
    is_passive: bool
    nameid_format: str | None
    requested_authn_contexts: tuple[str, ...]


def _bool(value: str | None) -> bool:
    # xs:boolean: "true"/"1" and "false"/"0".
    return value in ("true", "1")


def instant_parse(value: str | None) -> datetime.datetime:
    if not value:
        raise SamlError("IssueInstant is missing")
    try:
        instant = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise SamlError("IssueInstant is not an xs:dateTime") from error
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=datetime.UTC)
    return instant


def authn_request_read(root: etree._Element) -> AuthnRequest:
    if root.tag != f"{SAMLP}AuthnRequest":
        raise SamlError("the message is not an AuthnRequest")
    if root.get("Version") != "2.0":
        raise SamlError("only SAML 2.0 requests are accepted")
    if not root.get("ID"):
        raise SamlError("the AuthnRequest has no ID")
    issuer = child_text(root, "saml:Issuer")
    if not issuer:
        # Profiles 4.1.4.1: the Issuer element MUST be present.
        raise SamlError("the AuthnRequest has no Issuer")
    index = root.get("AssertionConsumerServiceIndex")
    policy = root.find("samlp:NameIDPolicy", NS)
    contexts = tuple(
        "".join(node.itertext()).strip()
        for node in root.findall("samlp:RequestedAuthnContext/saml:AuthnContextClassRef", NS)
    )
    return AuthnRequest(
        id=root.get("ID", ""),
        issuer=issuer,
        issue_instant=instant_parse(root.get("IssueInstant")),
        destination=root.get("Destination"),
        acs_url=root.get("AssertionConsumerServiceURL"),
        acs_index=int(index) if index and index.isdigit() else None,
        protocol_binding=root.get("ProtocolBinding"),
        force_authn=_bool(root.get("ForceAuthn")),
        is_passive=_bool(root.get("IsPassive")),
        nameid_format=policy.get("Format") if policy is not None else None,
        requested_authn_contexts=contexts,
    )


@dataclass(frozen=True)
class AcsEndpoint:
    url: str
    binding: str
    index: int | None
    is_default: bool


def acs_choose(request: AuthnRequest, endpoints: list[AcsEndpoint]) -> AcsEndpoint:
    """SAML Core 3.4.1 / Metadata 2.4.4: the requested ACS must be one registered for the
    SP (compared as exact strings); without one, the default endpoint.

    Raises SamlError with no status: an unregistered ACS is exactly where a response must
    never be sent, so the caller shows an error page instead."""
    posts = [e for e in endpoints if e.binding == POST_BINDING]
    if request.protocol_binding and request.protocol_binding != POST_BINDING:
        raise SamlError(
            "only the HTTP-POST binding is supported for responses",
            status=STATUS_REQUESTER,
            sub_status=STATUS_UNSUPPORTED_BINDING,
        )
    if request.acs_url is not None:
        for endpoint in posts:
            if endpoint.url == request.acs_url:
                return endpoint
        raise SamlError(f"AssertionConsumerServiceURL {request.acs_url!r} is not registered")
    if request.acs_index is not None:
        for endpoint in posts:
            if endpoint.index == request.acs_index:
                return endpoint
        raise SamlError(f"AssertionConsumerServiceIndex {request.acs_index} is not registered")
    return acs_default(endpoints)


def acs_default(endpoints: list[AcsEndpoint]) -> AcsEndpoint:
    """Metadata 2.2.3: the endpoint marked default, else the first without
    ``isDefault="false"``, else the first — among the HTTP-POST ones."""
    posts = [e for e in endpoints if e.binding == POST_BINDING]
    if not posts:
        raise SamlError("the service provider has no HTTP-POST AssertionConsumerService")
    for endpoint in posts:
        if endpoint.is_default:
            return endpoint
    return sorted(posts, key=lambda e: e.index if e.index is not None else 0)[0]


def nameid_format_choose(requested: str | None, *, configured: str) -> str:
    """SAML Core 3.4.1.1: a specific format the IdP will not issue for this SP gets
    InvalidNameIDPolicy; unspecified (or none) means the SP's configured format."""
    if requested in (None, "", NAMEID_UNSPECIFIED, configured):
        return configured
    raise SamlError(
        f"NameID format {requested!r} is not offered to this service provider",
        status=STATUS_REQUESTER,
        sub_status=STATUS_INVALID_NAMEID_POLICY,
    )


def freshness_problem(
    request: AuthnRequest, *, now: datetime.datetime, skew: int, max_age: int
) -> str | None:
    if request.issue_instant > now + datetime.timedelta(seconds=skew):
        return "IssueInstant is in the future"
    if request.issue_instant < now - datetime.timedelta(seconds=max_age + skew):
        return "the request is too old"
    return None
