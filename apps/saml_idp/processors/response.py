"""Building a ``Response`` (SAML Core 3.3.3) with its ``Assertion`` (Core 2.3.3), as the
Web Browser SSO Profile (SAML Profiles 4.1.4.2) requires it:

- Response: ``Issuer``, ``Status``, ``Destination`` (the ACS URL, because the response is
  signed and sent over HTTP-POST: Bindings 3.5.5.2), ``InResponseTo`` when solicited;
- Assertion: ``Issuer``; ``Subject`` with ``NameID`` and a bearer ``SubjectConfirmation``
  whose ``SubjectConfirmationData`` has ``Recipient``, ``NotOnOrAfter`` and, when solicited,
  ``InResponseTo``, and no ``NotBefore`` (Profiles 4.1.4.2); ``Conditions`` with
  ``NotBefore``/``NotOnOrAfter`` and an ``AudienceRestriction`` naming the SP; an
  ``AuthnStatement`` with ``AuthnInstant``, ``SessionIndex`` and the authentication
  context; an ``AttributeStatement``.

Elements are built with lxml (no string templates, so no markup injection); signing and
encryption are in :mod:`signatures`.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lxml import etree

from apps.saml_idp.processors.signatures import assertion_encrypt, element_sign
from apps.saml_idp.processors.xml import (
    ATTRNAME_BASIC,
    BEARER,
    NS,
    SAML,
    SAMLP,
    STATUS_SUCCESS,
)

_XSI_TYPE = f"{{{NS['xsi']}}}type"
_NSMAP = {"samlp": NS["samlp"], "saml": NS["saml"]}


def saml_id() -> str:
    """xs:ID values must not start with a digit (an NCName): a prefix, then 160 random bits
    (SAML Core 1.3.4 asks for at least 128)."""
    return "_" + secrets.token_hex(20)


def saml_instant(moment: datetime.datetime) -> str:
    """SAML Core 1.3.3: UTC, no time zone offset other than Z."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Signer:
    key_pem: str
    cert_pem: str


@dataclass(frozen=True)
class AssertionFacts:
    idp_entity_id: str
    sp_entity_id: str
    acs_url: str
    in_response_to: str | None
    name_id: str
    name_id_format: str
    session_index: str
    authn_instant: datetime.datetime
    authn_context: str
    now: datetime.datetime
    lifetime_seconds: int
    session_not_on_or_after: datetime.datetime | None = None
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    name_qualifiers: bool = False


def _issuer(parent: etree._Element, entity_id: str) -> None:
    etree.SubElement(parent, f"{SAML}Issuer").text = entity_id


def _status(parent: etree._Element, code: str, sub_code: str | None, message: str | None) -> None:
    status = etree.SubElement(parent, f"{SAMLP}Status")
    top = etree.SubElement(status, f"{SAMLP}StatusCode", Value=code)
    if sub_code:
        etree.SubElement(top, f"{SAMLP}StatusCode", Value=sub_code)
    if message:
        etree.SubElement(status, f"{SAMLP}StatusMessage").text = message


def assertion_build(facts: AssertionFacts) -> etree._Element:
    not_on_or_after = saml_instant(facts.now + datetime.timedelta(seconds=facts.lifetime_seconds))
    assertion = etree.Element(
        f"{SAML}Assertion",
        nsmap={"saml": NS["saml"], "xs": NS["xs"], "xsi": NS["xsi"]},
        ID=saml_id(),
        Version="2.0",
        IssueInstant=saml_instant(facts.now),
    )
    _issuer(assertion, facts.idp_entity_id)

    subject = etree.SubElement(assertion, f"{SAML}Subject")
    name_id = etree.SubElement(subject, f"{SAML}NameID", Format=facts.name_id_format)
    if facts.name_qualifiers:
        # Core 8.3.7: persistent identifiers are qualified by both parties.
        name_id.set("NameQualifier", facts.idp_entity_id)
        name_id.set("SPNameQualifier", facts.sp_entity_id)
    name_id.text = facts.name_id
    confirmation = etree.SubElement(subject, f"{SAML}SubjectConfirmation", Method=BEARER)
    data = etree.SubElement(
        confirmation,
        f"{SAML}SubjectConfirmationData",
        NotOnOrAfter=not_on_or_after,
        Recipient=facts.acs_url,
    )
    if facts.in_response_to:
        data.set("InResponseTo", facts.in_response_to)

    conditions = etree.SubElement(
        assertion,
        f"{SAML}Conditions",
        NotBefore=saml_instant(facts.now),
        NotOnOrAfter=not_on_or_after,
    )
    restriction = etree.SubElement(conditions, f"{SAML}AudienceRestriction")
    etree.SubElement(restriction, f"{SAML}Audience").text = facts.sp_entity_id

    statement = etree.SubElement(
        assertion,
        f"{SAML}AuthnStatement",
        AuthnInstant=saml_instant(facts.authn_instant),
        SessionIndex=facts.session_index,
    )
    if facts.session_not_on_or_after is not None:
        statement.set("SessionNotOnOrAfter", saml_instant(facts.session_not_on_or_after))
    context = etree.SubElement(statement, f"{SAML}AuthnContext")
    etree.SubElement(context, f"{SAML}AuthnContextClassRef").text = facts.authn_context

    if facts.attributes:
        attributes = etree.SubElement(assertion, f"{SAML}AttributeStatement")
        for name, values in facts.attributes.items():
            attribute = etree.SubElement(
                attributes, f"{SAML}Attribute", Name=name, NameFormat=ATTRNAME_BASIC
            )
            for value in values:
                node = etree.SubElement(attribute, f"{SAML}AttributeValue")
                node.set(_XSI_TYPE, "xs:string")
                node.text = value
    return assertion


def response_build(
    facts: AssertionFacts,
    *,
    signer: Signer,
    sign_assertion: bool,
    sign_response: bool,
    encryption_cert_pem: str | None = None,
) -> bytes:
    """A successful Response. The assertion is signed before it is encrypted (so the SP
    verifies what Keyway asserted, after decrypting it), then the Response is signed."""
    assertion = assertion_build(facts)
    if sign_assertion:
        assertion = element_sign(assertion, key_pem=signer.key_pem, cert_pem=signer.cert_pem)
    if encryption_cert_pem:
        assertion = assertion_encrypt(assertion, cert_pem=encryption_cert_pem)
    response = _response_shell(
        facts.idp_entity_id, facts.acs_url, facts.in_response_to, facts.now, STATUS_SUCCESS
    )
    response.append(assertion)
    if sign_response:
        response = element_sign(response, key_pem=signer.key_pem, cert_pem=signer.cert_pem)
    return etree.tostring(response, encoding="utf-8")


def error_response_build(
    *,
    idp_entity_id: str,
    destination: str,
    in_response_to: str | None,
    status: str,
    sub_status: str | None,
    message: str | None,
    now: datetime.datetime,
    signer: Signer,
) -> bytes:
    """A Response carrying only a failure status (Core 3.2.2), signed so the SP can trust
    the refusal."""
    response = _response_shell(
        idp_entity_id, destination, in_response_to, now, status, sub_status, message
    )
    response = element_sign(response, key_pem=signer.key_pem, cert_pem=signer.cert_pem)
    return etree.tostring(response, encoding="utf-8")


def _response_shell(
    idp_entity_id: str,
    destination: str,
    in_response_to: str | None,
    now: datetime.datetime,
    status: str,
    sub_status: str | None = None,
    message: str | None = None,
) -> etree._Element:
    response = etree.Element(
        f"{SAMLP}Response",
        nsmap=_NSMAP,
        ID=saml_id(),
        Version="2.0",
        IssueInstant=saml_instant(now),
        Destination=destination,
    )
    if in_response_to:
        response.set("InResponseTo", in_response_to)
    _issuer(response, idp_entity_id)
    _status(response, status, sub_status, message)
    return response
