"""Untrusted XML is inspected before any SAML library sees it.

python3-saml already parses with DTDs and entities forbidden; Keyway refuses a DOCTYPE
outright anyway (no XML Schema for SAML allows one: SAML Core 2.0 section 1.3 and the
OASIS SAML security considerations, section 6.4) and bounds the size, so entity expansion
("billion laughs"), external entities (XXE) and network fetches never reach a parser that
could act on them. Comments and processing instructions are refused too (see below).
The parser here resolves nothing, loads no DTD and never opens a network connection.
"""

from __future__ import annotations

from lxml import etree

from apps.federation.errors import FederationRejected

# A SAML response with a few hundred attributes and two certificates fits in far less.
MAX_XML_BYTES = 256 * 1024

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=False,
)


def xml_untrusted_check(data: bytes) -> None:
    """Raise FederationRejected unless ``data`` is well-formed XML with no DOCTYPE."""
    if len(data) > MAX_XML_BYTES:
        raise FederationRejected("xml_too_large")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise FederationRejected("xml_dtd")
    try:
        tree = etree.fromstring(data, parser=_PARSER).getroottree()
    except etree.XMLSyntaxError as error:
        raise FederationRejected("xml_malformed", detail=str(error)) from error
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise FederationRejected("xml_dtd")
    # Exclusive canonicalization drops comments, so a comment changes what a naive reader
    # sees without breaking the signature (CVE-2017-11427: "alice<!---->.evil" read as
    # "alice"). IdPs never send comments or processing instructions: refuse both.
    root = tree.getroot()
    outside = [*root.itersiblings(preceding=True), *root.itersiblings()]
    inside = root.iter(etree.Comment, etree.ProcessingInstruction)
    if outside or any(True for _ in inside):
        raise FederationRejected("xml_comment")
