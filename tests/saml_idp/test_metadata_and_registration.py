"""IdP metadata (SAML Metadata 2.4.3) and registering service providers from theirs."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from apps.saml_idp.models import IdpCredential, ServiceProvider
from tests.saml_idp.sp import OTHER_KEYS, SamlSp

pytestmark = pytest.mark.django_db

NS = {"md": "urn:oasis:names:tc:SAML:2.0:metadata", "ds": "http://www.w3.org/2000/09/xmldsig#"}
ISSUER = "https://idp.example.com"


def _certificates(root) -> list[str]:
    return [
        "".join(n.itertext())
        for n in root.iterfind(
            "md:IDPSSODescriptor/md:KeyDescriptor/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS
        )
    ]


def test_metadata_names_the_entity_its_endpoints_and_its_signing_certificate(client) -> None:
    response = client.get("/saml/metadata")

    assert response["Content-Type"] == "application/samlmetadata+xml"
    root = etree.fromstring(response.content)
    assert root.get("entityID") == f"{ISSUER}/saml/metadata"
    assert root.get("validUntil")
    descriptor = root.find("md:IDPSSODescriptor", NS)
    services = {
        (n.tag.split("}")[1], n.get("Binding").rsplit(":", 1)[1]): n.get("Location")
        for n in descriptor
        if n.get("Binding")
    }
    assert services == {
        ("SingleSignOnService", "HTTP-Redirect"): f"{ISSUER}/saml/sso",
        ("SingleSignOnService", "HTTP-POST"): f"{ISSUER}/saml/sso",
        ("SingleLogoutService", "HTTP-Redirect"): f"{ISSUER}/saml/slo",
        ("SingleLogoutService", "HTTP-POST"): f"{ISSUER}/saml/slo",
    }
    (certificate,) = _certificates(root)
    assert certificate in IdpCredential.objects.get().certificate.replace("\n", "")


def test_signed_metadata_verifies_with_its_own_certificate(client, settings) -> None:
    settings.KEYWAY = {**settings.KEYWAY, "SAML_SIGN_METADATA": True}
    response = client.get("/saml/metadata")
    certificate = OneLogin_Saml2_Utils.format_cert(
        _certificates(etree.fromstring(response.content))[0]
    )
    assert OneLogin_Saml2_Utils.validate_metadata_sign(response.content, certificate)


def test_rotated_credential_is_published_before_it_signs(client) -> None:
    before = _certificates(etree.fromstring(client.get("/saml/metadata").content))
    call_command("rotate_saml_credential")
    after = _certificates(etree.fromstring(client.get("/saml/metadata").content))
    assert after[0] == before[0]  # the old one still signs
    assert len(after) == 2


def test_register_sp_from_metadata_file_with_every_option(tmp_path, capsys) -> None:
    sp = SamlSp(want_assertions_encrypted=True)
    path = tmp_path / "sp.xml"
    path.write_text(sp.metadata())

    call_command(
        "register_saml_sp", "--metadata", str(path), "--nameid-format", "persistent",
        "--attribute", "mail=email", "--attribute", "memberOf=groups", "--sign-assertion",
        "--encrypt-assertion", "--allow-idp-initiated", "--json",
    )  # fmt: skip

    result = json.loads(capsys.readouterr().out)
    assert result["created"] is True
    registered = ServiceProvider.objects.get(entity_id=sp.entity_id)
    assert registered.acs_endpoints[0]["url"] == sp.acs_url
    assert registered.slo_url == sp.slo_url
    assert registered.nameid_format.endswith(":persistent")
    assert registered.attribute_mapping == {"mail": "email", "memberOf": "groups"}
    assert registered.sign_assertion is True
    assert registered.sign_response is False
    assert registered.encrypt_assertion is True
    assert registered.require_signed_requests is True  # AuthnRequestsSigned in its metadata
    assert registered.encryption_certificate.startswith("-----BEGIN CERTIFICATE-----")


def test_registering_again_updates_the_same_sp(tmp_path) -> None:
    path = tmp_path / "sp.xml"
    path.write_text(SamlSp().metadata())
    call_command("register_saml_sp", "--metadata", str(path))
    path.write_text(SamlSp(keys=OTHER_KEYS, acs_url="https://sp.example.com/acs2").metadata())
    call_command("register_saml_sp", "--metadata", str(path))
    (sp,) = ServiceProvider.objects.all()
    assert sp.acs_endpoints[0]["url"] == "https://sp.example.com/acs2"
    assert "".join(OTHER_KEYS[1].split("\n")[1:-2]) in sp.signing_certificate.replace("\n", "")


def test_register_sp_from_a_metadata_url(tmp_path) -> None:
    document = SamlSp().metadata().encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/metadata"
        call_command("register_saml_sp", "--metadata", url)
    finally:
        server.shutdown()
        server.server_close()
    assert ServiceProvider.objects.get().metadata_url == url


@pytest.mark.parametrize(
    ("document", "options", "message"),
    [
        ('<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>', [], "document type declaration"),
        ("<md:EntityDescriptor", [], "malformed XML"),
        ("IDP", [], "not a service provider"),
        ("SP", ["--encrypt-assertion"], "encryption certificate"),
        ("SP", ["--attribute", "x=password"], "unknown user field"),
        ("SP", ["--attribute", "novalue"], "NAME=user_field"),
    ],
    ids=["dtd", "malformed", "idp-metadata", "no-encryption-cert", "bad-field", "bad-pair"],
)
def test_unusable_metadata_or_options_are_refused_and_nothing_is_written(
    tmp_path, client, document, options, message
) -> None:
    if document == "IDP":
        document = client.get("/saml/metadata").content.decode()
    elif document == "SP":
        document = SamlSp().metadata()
    path = tmp_path / "sp.xml"
    path.write_text(document)
    with pytest.raises(CommandError, match=message):
        call_command("register_saml_sp", "--metadata", str(path), *options)
    assert not ServiceProvider.objects.exists()


def test_missing_metadata_file_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="could not read"):
        call_command("register_saml_sp", "--metadata", "/nonexistent/sp.xml")


def test_admin_registers_an_sp_from_uploaded_metadata(admin_client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("sp.xml", SamlSp().metadata().encode(), content_type="text/xml")
    response = admin_client.post(
        "/admin/saml_idp/serviceprovider/add/",
        {
            "metadata_file": upload,
            "name": "",
            "entity_id": "",
            "enabled": "on",
            "acs_endpoints": "[]",
            "nameid_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "attribute_mapping": '{"mail": "email"}',
            "sign_assertion": "on",
            "sign_response": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    sp = ServiceProvider.objects.get()
    assert sp.entity_id == "https://sp.example.com/metadata"
    assert sp.acs_endpoints[0]["url"] == "https://sp.example.com/acs"
    assert sp.require_signed_requests is True
