"""Single Logout messages: ``LogoutRequest`` (SAML Core 3.7.1) and ``LogoutResponse``
(Core 3.7.2), and the SOAP envelope of the back-channel binding (Bindings 3.2)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from lxml import etree

from apps.saml_idp.processors.authn_request import instant_parse
from apps.saml_idp.processors.response import saml_id, saml_instant
from apps.saml_idp.processors.xml import (
    NS,
    SAML,
    SAMLP,
    STATUS_SUCCESS,
    SamlError,
    child_text,
)

REASON_USER = "urn:oasis:names:tc:SAML:2.0:logout:user"
REASON_ADMIN = "urn:oasis:names:tc:SAML:2.0:logout:admin"
_SOAP = f"{{{NS['soap']}}}"


@dataclass(frozen=True)
class LogoutRequest:
    id: str
    issuer: str
    name_id: str
    name_id_format: str | None
    session_indexes: tuple[str, ...]
    destination: str | None
    not_on_or_after: datetime.datetime | None


@dataclass(frozen=True)
class LogoutResponse:
    id: str
    issuer: str
    in_response_to: str | None
    status: str
    destination: str | None


def _base(root: etree._Element, tag: str) -> str:
    if root.tag != f"{SAMLP}{tag}":
        raise SamlError(f"the message is not a {tag}")
    if root.get("Version") != "2.0" or not root.get("ID"):
        raise SamlError(f"the {tag} is not a SAML 2.0 message with an ID")
    issuer = child_text(root, "saml:Issuer")
    if not issuer:
        # Profiles 4.4.4.1 / 4.4.4.2: the Issuer MUST be present.
        raise SamlError(f"the {tag} has no Issuer")
    return issuer


def logout_request_read(root: etree._Element) -> LogoutRequest:
    issuer = _base(root, "LogoutRequest")
    name_id = root.find("saml:NameID", NS)
    if name_id is None:
        # EncryptedID and BaseID are not issued by Keyway, so never valid here.
        raise SamlError("the LogoutRequest has no NameID")
    not_on_or_after = root.get("NotOnOrAfter")
    return LogoutRequest(
        id=root.get("ID", ""),
        issuer=issuer,
        name_id="".join(name_id.itertext()).strip(),
        name_id_format=name_id.get("Format"),
        session_indexes=tuple(
            "".join(node.itertext()).strip() for node in root.findall("samlp:SessionIndex", NS)
        ),
        destination=root.get("Destination"),
        not_on_or_after=instant_parse(not_on_or_after) if not_on_or_after else None,
    )


def logout_response_read(root: etree._Element) -> LogoutResponse:
    issuer = _base(root, "LogoutResponse")
    code = root.find("samlp:Status/samlp:StatusCode", NS)
    if code is None or not code.get("Value"):
        raise SamlError("the LogoutResponse has no status")
    return LogoutResponse(
        id=root.get("ID", ""),
        issuer=issuer,
        in_response_to=root.get("InResponseTo"),
        status=code.get("Value", ""),
        destination=root.get("Destination"),
    )


def logout_request_build(
    *,
    idp_entity_id: str,
    destination: str,
    name_id: str,
    name_id_format: str,
    sp_entity_id: str,
    session_index: str,
    now: datetime.datetime,
    lifetime_seconds: int,
    reason: str = REASON_USER,
) -> etree._Element:
    root = etree.Element(
        f"{SAMLP}LogoutRequest",
        nsmap={"samlp": NS["samlp"], "saml": NS["saml"]},
        ID=saml_id(),
        Version="2.0",
        IssueInstant=saml_instant(now),
        Destination=destination,
        NotOnOrAfter=saml_instant(now + datetime.timedelta(seconds=lifetime_seconds)),
        Reason=reason,
    )
    etree.SubElement(root, f"{SAML}Issuer").text = idp_entity_id
    node = etree.SubElement(root, f"{SAML}NameID", Format=name_id_format)
    if name_id_format.endswith(":persistent"):
        node.set("NameQualifier", idp_entity_id)
        node.set("SPNameQualifier", sp_entity_id)
    node.text = name_id
    if session_index:
        etree.SubElement(root, f"{SAMLP}SessionIndex").text = session_index
    return root


def logout_response_build(
    *,
    idp_entity_id: str,
    destination: str,
    in_response_to: str,
    now: datetime.datetime,
    status: str = STATUS_SUCCESS,
    sub_status: str | None = None,
) -> etree._Element:
    root = etree.Element(
        f"{SAMLP}LogoutResponse",
        nsmap={"samlp": NS["samlp"], "saml": NS["saml"]},
        ID=saml_id(),
        Version="2.0",
        IssueInstant=saml_instant(now),
        Destination=destination,
        InResponseTo=in_response_to,
    )
    etree.SubElement(root, f"{SAML}Issuer").text = idp_entity_id
    status_node = etree.SubElement(root, f"{SAMLP}Status")
    code = etree.SubElement(status_node, f"{SAMLP}StatusCode", Value=status)
    if sub_status:
        etree.SubElement(code, f"{SAMLP}StatusCode", Value=sub_status)
    return root


def soap_wrap(message: etree._Element) -> bytes:
    envelope = etree.Element(f"{_SOAP}Envelope", nsmap={"soap": NS["soap"]})
    etree.SubElement(envelope, f"{_SOAP}Body").append(message)
    return etree.tostring(envelope, encoding="utf-8")


def soap_unwrap(envelope: etree._Element) -> etree._Element:
    body = envelope.find("soap:Body", NS)
    if envelope.tag != f"{_SOAP}Envelope" or body is None or len(body) != 1:
        raise SamlError("not a SOAP envelope with one message")
    return body[0]
