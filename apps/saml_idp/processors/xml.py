"""Parsing untrusted SAML XML, and the names every processor shares.

Hostile input is refused before it reaches a parser that could hurt: a size limit, then
python3-saml's hardened lxml parser (``forbid_dtd``, ``forbid_entities``: no DOCTYPE at
all, so no XXE and no entity expansion; no network access), then the SAML schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
    "xs": "http://www.w3.org/2001/XMLSchema",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "soap": "http://schemas.xmlsoap.org/soap/envelope/",
}
SAMLP = f"{{{NS['samlp']}}}"
SAML = f"{{{NS['saml']}}}"
MD = f"{{{NS['md']}}}"
DS = f"{{{NS['ds']}}}"

# SAML Core 3.2.2.2: top-level status codes Keyway answers with.
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
STATUS_REQUESTER = "urn:oasis:names:tc:SAML:2.0:status:Requester"
STATUS_RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
STATUS_VERSION_MISMATCH = "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch"
# Second-level codes.
STATUS_REQUEST_DENIED = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
STATUS_NO_PASSIVE = "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
STATUS_INVALID_NAMEID_POLICY = "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy"
STATUS_UNSUPPORTED_BINDING = "urn:oasis:names:tc:SAML:2.0:status:UnsupportedBinding"
STATUS_NO_AUTHN_CONTEXT = "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext"
STATUS_UNKNOWN_PRINCIPAL = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal"
STATUS_PARTIAL_LOGOUT = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout"

NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAMEID_ENTITY = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
ATTRNAME_BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
AUTHN_CONTEXT_PPT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
# Algorithms accepted on inbound signatures: SHA-1 is broken for signatures (SHA-1
# collisions), so an SP signing with rsa-sha1 is refused like an unsigned one.
ACCEPTED_SIGNATURE_ALGORITHMS = {
    RSA_SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
}


@dataclass
class SamlError(Exception):
    """A message Keyway cannot accept. ``status`` is the SAML status to answer with when
    there is somewhere trustworthy to answer (SAML Core 3.2.2.2); ``reason`` is for the
    audit log and the error page."""

    reason: str
    status: str = STATUS_REQUESTER
    sub_status: str | None = None

    def __str__(self) -> str:
        return self.reason


def parse(xml: bytes, *, max_bytes: int, schema: str | None = None) -> etree._Element:
    """Parse one SAML message. ``schema`` names a python3-saml bundled XSD to validate
    against (e.g. ``saml-schema-protocol-2.0.xsd``)."""
    if len(xml) > max_bytes:
        raise SamlError(f"message larger than {max_bytes} bytes")
    # Cheap early refusal: the hardened parser refuses these too, with less clear errors.
    if b"<!DOCTYPE" in xml.upper() or b"<!ENTITY" in xml.upper():
        raise SamlError("XML with a document type declaration (DTD) is not accepted")
    try:
        root = OneLogin_Saml2_XML.to_etree(xml)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise SamlError(f"malformed XML: {error}") from error
    if schema is not None and not isinstance(
        OneLogin_Saml2_XML.validate_xml(root, schema), etree._Element
    ):
        raise SamlError("the message does not follow the SAML schema")
    return root


def to_bytes(element: etree._Element) -> bytes:
    return etree.tostring(element, encoding="utf-8", xml_declaration=False)


def child_text(element: etree._Element, path: str) -> str | None:
    node = element.find(path, NS)
    if node is None:
        return None
    # Concatenate every text node: a comment inside a NameID must not truncate it
    # (CVE-2017-11427 class of bugs), so itertext() and not .text.
    return "".join(node.itertext()).strip()
