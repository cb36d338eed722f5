"""XML Signature and XML Encryption for SAML messages, through xmlsec (libxmlsec1) and
python3-saml's wrappers around it. Nothing here canonicalises or signs by hand.

Signature wrapping (XSW) is defeated by *where* a signature is accepted: only a
``ds:Signature`` that is a direct child of the element it protects, whose single
``Reference`` points at that element's own ``ID``; the caller then reads data only from
that element, never by searching the document.
"""

from __future__ import annotations

import xmlsec
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from apps.saml_idp.processors.xml import (
    ACCEPTED_SIGNATURE_ALGORITHMS,
    DS,
    NS,
    RSA_SHA256,
    SAML,
    SamlError,
)

SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


def element_sign(element: etree._Element, *, key_pem: str, cert_pem: str) -> etree._Element:
    """Enveloped RSA-SHA256 signature placed after the element's ``Issuer`` (the position
    the SAML schema requires). Returns the signed element (a new tree)."""
    signed = OneLogin_Saml2_Utils.add_sign(
        element, key_pem, cert_pem, sign_algorithm=RSA_SHA256, digest_algorithm=SHA256
    )
    return etree.fromstring(signed)


def enveloped_signature_verify(element: etree._Element, *, cert_pem: str) -> bool:
    """Is ``element`` itself signed by ``cert_pem``? False when it carries no signature;
    raises SamlError for a signature that is present but not acceptable."""
    signatures = element.findall(f"{DS}Signature")
    if not signatures:
        return False
    if len(signatures) > 1:
        raise SamlError("more than one signature on the message")
    signature = signatures[0]
    references = signature.findall("ds:SignedInfo/ds:Reference", NS)
    element_id = element.get("ID")
    if len(references) != 1 or not element_id or references[0].get("URI") != f"#{element_id}":
        raise SamlError("the signature does not cover the message it is attached to")
    method = signature.find("ds:SignedInfo/ds:SignatureMethod", NS)
    if method is None or method.get("Algorithm") not in ACCEPTED_SIGNATURE_ALGORITHMS:
        raise SamlError("signature algorithm not accepted (RSA-SHA256 or stronger)")
    # xmlsec resolves "#ID" references only through attributes declared as IDs.
    xmlsec.tree.add_ids(element, ["ID"])
    try:
        OneLogin_Saml2_Utils.validate_node_sign(signature, element, cert_pem, raise_exceptions=True)
    except Exception as error:  # python3-saml raises plain Exception subclasses here
        raise SamlError("the signature does not verify with the registered certificate") from error
    return True


def redirect_signature_sign(signed_query: str, *, key_pem: str) -> bytes:
    """SAML Bindings 3.4.4.1: RSA-SHA256 over the URL-encoded query octets."""
    return OneLogin_Saml2_Utils.sign_binary(
        signed_query.encode("ascii"), key_pem, algorithm=xmlsec.Transform.RSA_SHA256
    )


def redirect_signature_verify(
    signed_query: str, *, signature: bytes, algorithm: str, cert_pem: str
) -> None:
    if algorithm not in ACCEPTED_SIGNATURE_ALGORITHMS:
        raise SamlError("signature algorithm not accepted (RSA-SHA256 or stronger)")
    if not OneLogin_Saml2_Utils.validate_binary_sign(
        signed_query, signature, cert_pem, algorithm=algorithm
    ):
        raise SamlError("the signature does not verify with the registered certificate")


def assertion_encrypt(assertion: etree._Element, *, cert_pem: str) -> etree._Element:
    """SAML Core 2.3.4: ``EncryptedAssertion`` holding the assertion encrypted with
    AES-256-GCM (XML Encryption 1.1), the key transported with RSA-OAEP to the SP's
    encryption certificate."""
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(cert_pem.encode(), xmlsec.KeyFormat.CERT_PEM, None))
    template = xmlsec.template.encrypted_data_create(
        assertion,
        xmlsec.Transform.AES256_GCM,
        type=xmlsec.EncryptionType.ELEMENT,
        ns="xenc",
    )
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="ds")
    encrypted_key = xmlsec.template.add_encrypted_key(key_info, xmlsec.Transform.RSA_OAEP)
    xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(xmlsec.KeyData.AES, 256, xmlsec.KeyDataType.SESSION)
    # Encrypt the assertion as the root of its own document, so the encrypted octets
    # declare every namespace they use (a moved node would rely on its old ancestors').
    own_document = etree.fromstring(etree.tostring(assertion))
    encrypted = context.encrypt_xml(template, own_document)
    holder = etree.Element(f"{SAML}EncryptedAssertion", nsmap={"saml": NS["saml"]})
    holder.append(encrypted)
    return holder
