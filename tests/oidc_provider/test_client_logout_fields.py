"""Logout URIs follow the redirect-URI rules (Front-Channel 1.0 section 2, Back-Channel 1.0
section 2.2); a required acr must be one Keyway knows."""

import pytest
from django.core.exceptions import ValidationError

from apps.oidc_provider.client_services import client_create

pytestmark = pytest.mark.django_db

BASE = dict(name="RP", client_type="confidential", redirect_uris=["https://rp.example/cb"])


@pytest.mark.parametrize("field", ["frontchannel_logout_uri", "backchannel_logout_uri"])
@pytest.mark.parametrize(
    "uri",
    [
        "http://rp.example/logout",
        "https://rp.example/l#frag",
        "ftp://rp.example/l",
        "https://user:pw@rp.example/l",
    ],
)
def test_logout_uris_must_be_https_or_loopback_without_fragment(field, uri):
    with pytest.raises(ValidationError) as caught:
        client_create(**BASE, **{field: uri})
    assert field in caught.value.message_dict


@pytest.mark.parametrize("field", ["frontchannel_logout_uri", "backchannel_logout_uri"])
def test_good_logout_uris_are_kept(field):
    client, _ = client_create(**BASE, **{field: "https://rp.example/logout"})
    assert getattr(client, field) == "https://rp.example/logout"


def test_required_acr_must_be_a_known_level():
    client, _ = client_create(**BASE)
    client.required_acr = "urn:example:unknown"
    with pytest.raises(ValidationError) as caught:
        client.full_clean(exclude=["authorization_grant_type"])
    assert "required_acr" in caught.value.message_dict
    client.required_acr = "urn:keyway:acr:mfa"
    client.full_clean(exclude=["authorization_grant_type"])
