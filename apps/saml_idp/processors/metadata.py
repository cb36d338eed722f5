"""SAML Metadata 2.0: Keyway's IdP metadata (section 2.4.3 IDPSSODescriptor) and reading
a service provider's (section 2.4.4 SPSSODescriptor)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from lxml import etree

from apps.common.x509 import certificate_body, certificate_pem
from apps.saml_idp.processors.authn_request import AcsEndpoint
from apps.saml_idp.processors.response import saml_instant
from apps.saml_idp.processors.xml import DS, MD, NS, SamlError

REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
SOAP = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP"
_SLO_BINDINGS = (REDIRECT, POST, SOAP)


@dataclass(frozen=True)
class IdpFacts:
    entity_id: str
    sso_url: str
    slo_url: str
    certificates: tuple[str, ...]  # PEM, current first
    nameid_formats: tuple[str, ...]
    valid_until: datetime.datetime
    want_authn_requests_signed: bool = False


def _key_descriptor(parent: etree._Element, cert_pem: str, use: str) -> None:
    descriptor = etree.SubElement(parent, f"{MD}KeyDescriptor", use=use)
    key_info = etree.SubElement(descriptor, f"{DS}KeyInfo")
    data = etree.SubElement(key_info, f"{DS}X509Data")
    etree.SubElement(data, f"{DS}X509Certificate").text = certificate_body(cert_pem)


def idp_metadata_build(facts: IdpFacts) -> etree._Element:
    root = etree.Element(
        f"{MD}EntityDescriptor",
        nsmap={"md": NS["md"], "ds": NS["ds"]},
        entityID=facts.entity_id,
        validUntil=saml_instant(facts.valid_until),
    )
    descriptor = etree.SubElement(
        root,
        f"{MD}IDPSSODescriptor",
        protocolSupportEnumeration=NS["samlp"],
        WantAuthnRequestsSigned="true" if facts.want_authn_requests_signed else "false",
    )
    for cert in facts.certificates:
        _key_descriptor(descriptor, cert, "signing")
    for binding in (REDIRECT, POST):
        etree.SubElement(
            descriptor, f"{MD}SingleLogoutService", Binding=binding, Location=facts.slo_url
        )
    for name_format in facts.nameid_formats:
        etree.SubElement(descriptor, f"{MD}NameIDFormat").text = name_format
    for binding in (REDIRECT, POST):
        etree.SubElement(
            descriptor, f"{MD}SingleSignOnService", Binding=binding, Location=facts.sso_url
        )
    return root


@dataclass
class SpMetadata:
    entity_id: str
    acs_endpoints: list[AcsEndpoint]
    slo_url: str = ""
    slo_response_url: str = ""
    slo_binding: str = ""
    signing_certificate: str = ""
    encryption_certificate: str = ""
    authn_requests_signed: bool = False
    want_assertions_signed: bool = False
    nameid_formats: list[str] = field(default_factory=list)
    name: str = ""


def _certificates(descriptor: etree._Element, use: str) -> list[str]:
    found = []
    for key in descriptor.findall("md:KeyDescriptor", NS):
        if key.get("use") in (use, None):
            for node in key.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
                try:
                    found.append(certificate_pem("".join(node.itertext())))
                except ValueError as error:
                    raise SamlError(f"a {use} certificate in the metadata is invalid") from error
    return found


def sp_metadata_read(root: etree._Element, *, entity_id: str | None = None) -> SpMetadata:
    """Read one SP from an EntityDescriptor, or from an EntitiesDescriptor when
    ``entity_id`` picks it (or it holds exactly one SP)."""
    if root.tag == f"{MD}EntitiesDescriptor":
        candidates = [
            e
            for e in root.iter(f"{MD}EntityDescriptor")
            if e.find("md:SPSSODescriptor", NS) is not None
            and (entity_id is None or e.get("entityID") == entity_id)
        ]
        if len(candidates) != 1:
            raise SamlError("the metadata does not name exactly one matching service provider")
        root = candidates[0]
    if root.tag != f"{MD}EntityDescriptor" or not root.get("entityID"):
        raise SamlError("not SAML metadata (no EntityDescriptor with an entityID)")
    descriptor = root.find("md:SPSSODescriptor", NS)
    if descriptor is None:
        raise SamlError("the metadata has no SPSSODescriptor: not a service provider")
    acs = []
    for node in descriptor.findall("md:AssertionConsumerService", NS):
        index = node.get("index")
        if not node.get("Location") or not node.get("Binding"):
            raise SamlError("an AssertionConsumerService lacks a Location or Binding")
        acs.append(
            AcsEndpoint(
                url=node.get("Location", ""),
                binding=node.get("Binding", ""),
                index=int(index) if index and index.isdigit() else None,
                is_default=node.get("isDefault") in ("true", "1"),
            )
        )
    if not any(e.binding == POST for e in acs):
        raise SamlError("the service provider has no HTTP-POST AssertionConsumerService")
    metadata = SpMetadata(
        entity_id=root.get("entityID", ""),
        acs_endpoints=acs,
        authn_requests_signed=descriptor.get("AuthnRequestsSigned") in ("true", "1"),
        want_assertions_signed=descriptor.get("WantAssertionsSigned") in ("true", "1"),
        nameid_formats=[
            "".join(n.itertext()).strip() for n in descriptor.findall("md:NameIDFormat", NS)
        ],
    )
    slo = {n.get("Binding"): n for n in descriptor.findall("md:SingleLogoutService", NS)}
    for binding in _SLO_BINDINGS:  # preference order: browser bindings first
        if binding in slo and slo[binding].get("Location"):
            metadata.slo_binding = binding
            metadata.slo_url = slo[binding].get("Location", "")
            metadata.slo_response_url = slo[binding].get("ResponseLocation", "")
            break
    signing = _certificates(descriptor, "signing")
    encryption = _certificates(descriptor, "encryption")
    metadata.signing_certificate = signing[0] if signing else ""
    metadata.encryption_certificate = encryption[0] if encryption else ""
    name = root.find("md:Organization/md:OrganizationDisplayName", NS)
    metadata.name = "".join(name.itertext()).strip() if name is not None else ""
    return metadata
