"""oidc_provider.selectors.bearer_grant: what a resource server (the management API)
learns from an access token."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from apps.oidc_provider.client_services import client_change, client_deactivate
from apps.oidc_provider.selectors import bearer_grant
from tests.oidc_provider.conftest import token_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(make_client):
    return make_client(
        grant_types=["client_credentials"], redirect_uris=[], scopes=["openid", "groups"]
    )


def _token(service) -> str:
    data = {"grant_type": "client_credentials", "scope": "openid groups"}
    return token_post(HttpClient(), data, **service.basic_auth()).json()["access_token"]


def test_client_credentials_grant_has_no_person(service):
    grant = bearer_grant(token=_token(service))
    assert grant.client_id == service.client_id
    assert grant.scopes == {"openid", "groups"}
    assert grant.user_subject is None


def test_scopes_the_client_lost_no_longer_count(service):
    token = _token(service)
    client_change(client=service.client, fields={"scopes": ["openid"]})
    assert bearer_grant(token=token).scopes == {"openid"}


def test_unknown_overlong_and_deactivated_are_none(service):
    token = _token(service)
    assert bearer_grant(token="nope") is None
    assert bearer_grant(token="x" * 5000) is None
    client_deactivate(client=service.client)
    assert bearer_grant(token=token) is None
