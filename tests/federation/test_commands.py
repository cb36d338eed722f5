"""manage.py register_saml_idp and register_oidc_idp."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.common.crypto import secret_decrypt
from apps.federation.models import LinkRule, Source, SourceKind

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_register_saml_idp_from_a_metadata_file(tmp_path, saml_idp):
    path = tmp_path / "idp-metadata.xml"
    path.write_text(saml_idp.metadata())
    out = _run(
        "register_saml_idp", "--name", "Corp SSO", "--metadata", str(path),
        "--domains", "corp.example, Corp.Example.org", "--link-rule", "verified_email",
        "--attribute-map", '{"groups": "memberOf"}',
    )  # fmt: skip
    source = Source.objects.get()
    assert (source.slug, source.kind, source.link_rule) == (
        "corp-sso",
        SourceKind.SAML,
        LinkRule.VERIFIED_EMAIL,
    )
    assert source.domains == ["corp.example", "corp.example.org"]
    assert source.idp_entity_id == "https://idp.corp.example/idp"
    assert source.attribute_map == {"groups": "memberOf"}
    assert "http://testserver/federation/saml/corp-sso/metadata" in out


def test_register_saml_idp_from_a_metadata_url(static_server, saml_idp):
    static_server.put("/metadata", saml_idp.metadata(), "application/samlmetadata+xml")
    _run("register_saml_idp", "--name", "Corp", "--metadata", f"{static_server.url}/metadata")
    assert Source.objects.get().metadata_url == f"{static_server.url}/metadata"


@pytest.mark.parametrize(
    "content", ["not xml", "<EntityDescriptor/>", "<!DOCTYPE x []><x/>"], ids=str
)
def test_unusable_metadata_is_refused_and_nothing_is_saved(tmp_path, content):
    path = tmp_path / "bad.xml"
    path.write_text(content)
    with pytest.raises(CommandError, match="Unusable metadata"):
        _run("register_saml_idp", "--name", "Corp", "--metadata", str(path))
    assert not Source.objects.exists()


def test_a_missing_metadata_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        _run("register_saml_idp", "--name", "Corp", "--metadata", str(tmp_path / "none.xml"))


def test_register_oidc_idp_stores_the_secret_encrypted():
    out = _run(
        "register_oidc_idp", "--name", "Okta", "--client-id", "kw",
        "--client-secret", "s3cret-value",
        "--discovery-url", "https://corp.okta.example/.well-known/openid-configuration",
        "--domains", "corp.example",
    )  # fmt: skip
    source = Source.objects.get()
    assert b"s3cret-value" not in bytes(source.client_secret)
    assert secret_decrypt(bytes(source.client_secret)) == b"s3cret-value"
    assert "http://testserver/federation/oidc/okta/callback" in out


def test_register_oidc_idp_wants_a_discovery_url():
    with pytest.raises(CommandError, match="well-known"):
        _run(
            "register_oidc_idp", "--name", "Okta", "--client-id", "kw", "--client-secret", "s",
            "--discovery-url", "https://corp.okta.example/",
        )  # fmt: skip


def test_a_duplicate_name_is_refused(tmp_path, saml_idp):
    path = tmp_path / "md.xml"
    path.write_text(saml_idp.metadata())
    _run("register_saml_idp", "--name", "Corp", "--metadata", str(path))
    with pytest.raises(CommandError, match="already exists"):
        _run("register_saml_idp", "--name", "Corp", "--metadata", str(path))


def test_a_domain_belongs_to_one_source_only(tmp_path, saml_idp):
    path = tmp_path / "md.xml"
    path.write_text(saml_idp.metadata())
    _run(
        "register_saml_idp", "--name", "Corp", "--metadata", str(path), "--domains", "corp.example"
    )
    with pytest.raises(CommandError, match=r"corp\.example already sign"):
        _run(
            "register_oidc_idp", "--name", "Okta", "--client-id", "kw", "--client-secret", "s",
            "--discovery-url", "https://op.example/.well-known/openid-configuration",
            "--domains", "CORP.example",
        )  # fmt: skip
