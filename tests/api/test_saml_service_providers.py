"""/api/v1/saml/service-providers: registered from metadata in the body or at a URL."""

from __future__ import annotations

import pytest

from apps.audit.models import Event
from apps.saml_idp.selectors import sp_get
from tests.api.conftest import assert_problem
from tests.federation.static_server import StaticServer
from tests.saml_idp.sp import SamlSp

pytestmark = pytest.mark.django_db
URL = "/api/v1/saml/service-providers"
DOCTYPE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&e;"/>'
)


def test_register_from_metadata_in_the_body_then_read_change_delete(api):
    sp = SamlSp()
    created = api.post(URL, {"metadata_xml": sp.metadata(), "nameid_format": "persistent"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["entity_id"] == sp.entity_id
    assert body["acs_endpoints"][0]["url"] == sp.acs_url
    assert body["nameid_format"].endswith(":persistent")
    detail = f"{URL}/{body['id']}"
    changed = api.patch(detail, {"enabled": False, "attribute_mapping": {"mail": "email"}})
    assert changed.json()["enabled"] is False
    assert sp_get(entity_id=sp.entity_id) is None  # disabled SPs are not served
    assert api.delete(detail).status_code == 204
    assert_problem(api.get(detail), 404)
    types = set(Event.objects.values_list("type", flat=True))
    assert {"saml.sp_registered", "saml.sp_updated", "saml.sp_deleted"} <= types


def test_registering_the_same_entity_again_updates_it(api):
    metadata = SamlSp().metadata()
    assert api.post(URL, {"metadata_xml": metadata}).status_code == 201
    assert api.post(URL, {"metadata_xml": metadata, "name": "Renamed"}).status_code == 200
    assert [sp["name"] for sp in api.get(URL).json()["results"]] == ["Renamed"]


def test_register_from_metadata_url(api):
    sp = SamlSp(entity_id="https://url-sp.example.com/metadata")
    with StaticServer() as server:
        server.put("/metadata.xml", sp.metadata(), "application/samlmetadata+xml")
        created = api.post(URL, {"metadata_url": f"{server.url}/metadata.xml"})
    assert created.status_code == 201, created.content
    assert created.json()["metadata_url"].endswith("/metadata.xml")


def test_doctype_and_entities_are_refused_naming_the_field(api):
    body = assert_problem(api.post(URL, {"metadata_xml": DOCTYPE}), 400)
    assert body["errors"][0]["field"] == "metadata_xml"


def test_a_file_path_is_not_a_metadata_url(api):
    body = assert_problem(api.post(URL, {"metadata_url": "/etc/passwd"}), 400)
    assert body["errors"][0]["field"] == "metadata_url"


def test_exactly_one_metadata_source(api):
    assert_problem(api.post(URL, {}), 400)
    body = assert_problem(
        api.post(URL, {"metadata_xml": SamlSp().metadata(), "metadata_url": "https://x.example/m"}),
        400,
    )
    assert body["errors"][0]["field"] == "metadata_xml"


def test_impossible_settings_are_refused_and_nothing_changes(api):
    sp_id = api.post(URL, {"metadata_xml": SamlSp().metadata()}).json()["id"]
    body = assert_problem(
        api.patch(f"{URL}/{sp_id}", {"sign_assertion": False, "sign_response": False}), 400
    )
    assert "signed" in body["detail"]
    assert api.get(f"{URL}/{sp_id}").json()["sign_response"] is True
