"""OIDC Discovery 1.0 section 3/4 and RFC 8414: exactly what Keyway supports."""

import pytest
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.fixture
def metadata(client):
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    return response.json()


def test_issuer_comes_from_configuration_and_endpoints_live_under_it(metadata):
    assert metadata["issuer"] == "http://testserver"
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
    ):
        assert metadata[name].startswith("http://testserver/oauth/")


def test_only_supported_features_are_listed(metadata):
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert set(metadata["grant_types_supported"]) == {
        "authorization_code",
        "refresh_token",
        "client_credentials",
    }
    assert set(metadata["id_token_signing_alg_values_supported"]) == {"RS256", "ES256"}
    assert "implicit" not in metadata["grant_types_supported"]
    assert metadata["authorization_response_iss_parameter_supported"] is True


def test_every_listed_endpoint_answers(client, metadata):
    for name in ("jwks_uri",):
        assert client.get(metadata[name].removeprefix("http://testserver")).status_code == 200
    assert client.get("/oauth/token").status_code == 405
    assert client.get("/oauth/userinfo").status_code == 401


def test_rfc8414_location_serves_the_same_document(client, metadata):
    assert client.get("/.well-known/oauth-authorization-server").json() == metadata


def test_discovery_makes_no_database_query(client, metadata):
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        client.get("/.well-known/openid-configuration")
    assert len(queries) == 0
