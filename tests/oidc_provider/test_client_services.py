import hashlib
import logging

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from oauth2_provider.oauth2_validators import OAuth2Validator

from apps.audit.models import Event
from apps.oidc_provider.client_services import (
    client_create,
    client_deactivate,
    client_secret_rotate,
)
from apps.oidc_provider.models import Client

pytestmark = pytest.mark.django_db

REDIRECT = "https://rp.example.com/callback"


def create(**overrides):
    arguments = {"name": "Wiki", "client_type": "confidential", "redirect_uris": [REDIRECT]}
    arguments.update(overrides)
    return client_create(**arguments)


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def check_secret(plaintext: str, stored: str) -> bool:
    """What DOT's token endpoint runs for client_secret_basic and client_secret_post."""
    return OAuth2Validator()._check_secret(plaintext, stored)


def test_confidential_client_secret_is_stored_hashed_with_the_fast_hasher_and_verifies():
    client, secret = create()
    client.refresh_from_db()
    assert secret
    assert secret not in client.client_secret
    assert identify_hasher(client.client_secret).algorithm == "keyway_client_secret"
    assert check_secret(secret, client.client_secret)
    assert not check_secret(secret[:-1] + ("A" if secret[-1] != "A" else "B"), client.client_secret)
    assert not check_secret("", client.client_secret)


def test_verifying_a_client_secret_costs_one_sha256_not_argon2():
    client, secret = create()
    algorithm, salt, digest = client.client_secret.split("$", 2)
    assert algorithm == "keyway_client_secret"
    assert not client.client_secret.startswith("argon2")
    assert hashlib.sha256(f"{salt}${secret}".encode()).hexdigest() == digest


def test_client_secret_carries_at_least_256_bits():
    _, secret = create()
    # 62-symbol alphabet: 43 characters are 256 bits.
    assert secret.isalnum()
    assert len(secret) >= 43


def test_confidential_client_defaults():
    client, _ = create()
    assert client.client_type == "confidential"
    assert client.token_endpoint_auth_method == "client_secret_basic"
    assert client.grant_types == ["authorization_code", "refresh_token"]
    assert client.allowed_scopes == ["openid", "profile", "email"]
    assert client.algorithm == "RS256"
    assert client.is_active
    assert not client.skip_consent


def test_confidential_client_may_use_client_secret_post():
    client, _ = create(token_endpoint_auth_method="client_secret_post")
    assert client.token_endpoint_auth_method == "client_secret_post"


def test_confidential_client_with_auth_method_none_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        create(token_endpoint_auth_method="none")
    assert "token_endpoint_auth_method" in errors_of(excinfo)


def test_public_client_gets_no_secret_and_auth_method_none():
    client, secret = create(client_type="public")
    client.refresh_from_db()
    assert secret is None
    assert client.is_public
    assert client.token_endpoint_auth_method == "none"
    # Public clients may refresh (they are bound by PKCE and refresh-token rotation).
    assert client.grant_types == ["authorization_code", "refresh_token"]
    # No secret means none verifies, not even the empty one.
    assert not check_secret("", client.client_secret)


def test_public_client_with_a_secret_auth_method_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        create(client_type="public", token_endpoint_auth_method="client_secret_basic")
    assert "token_endpoint_auth_method" in errors_of(excinfo)


def test_public_client_cannot_use_client_credentials():
    with pytest.raises(ValidationError) as excinfo:
        create(client_type="public", grant_types=["client_credentials"])
    assert "grant_types" in errors_of(excinfo)


@pytest.mark.parametrize(
    "uri",
    ["http://rp.example.com/callback", "http://10.0.0.5/callback", "custom.app:/callback"],
)
def test_http_redirect_uri_is_refused_except_loopback(uri):
    with pytest.raises(ValidationError) as excinfo:
        create(redirect_uris=[uri])
    assert "redirect_uris" in errors_of(excinfo)
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:8765/callback", "http://[::1]:8765/callback", "http://localhost/cb"]
)
def test_http_loopback_redirect_uri_is_accepted(uri):
    client, _ = create(client_type="public", redirect_uris=[uri])
    assert client.redirect_uri_allowed(uri)


def test_redirect_uri_with_fragment_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        create(redirect_uris=["https://rp.example.com/callback#frag"])
    assert any("fragment" in m for m in errors_of(excinfo)["redirect_uris"])


def test_relative_redirect_uri_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        create(redirect_uris=["/callback"])
    assert "redirect_uris" in errors_of(excinfo)


def test_redirect_uri_with_spaces_is_refused_not_split():
    with pytest.raises(ValidationError) as excinfo:
        create(redirect_uris=["https://rp.example.com/a https://evil.example/b"])
    assert "redirect_uris" in errors_of(excinfo)


def test_authorization_code_client_needs_a_redirect_uri():
    with pytest.raises(ValidationError) as excinfo:
        create(redirect_uris=[])
    assert "redirect_uris" in errors_of(excinfo)


def test_client_credentials_client_needs_no_redirect_uri():
    client, secret = create(redirect_uris=[], grant_types=["client_credentials"], scopes=["openid"])
    assert secret
    assert client.grant_types == ["client_credentials"]


def test_post_logout_redirect_uris_follow_the_redirect_uri_rules():
    client, _ = create(post_logout_redirect_uris=["https://rp.example.com/bye"])
    assert client.post_logout_redirect_uri_allowed("https://rp.example.com/bye")
    with pytest.raises(ValidationError) as excinfo:
        create(post_logout_redirect_uris=["http://rp.example.com/bye"])
    assert "post_logout_redirect_uris" in errors_of(excinfo)


def test_backchannel_logout_uri_is_stored_and_must_be_https_without_fragment():
    client, _ = create(backchannel_logout_uri="https://rp.example.com/backchannel")
    assert client.backchannel_logout_uri == "https://rp.example.com/backchannel"
    for bad in ("http://rp.example.com/backchannel", "https://rp.example.com/bc#x"):
        with pytest.raises(ValidationError) as excinfo:
            create(backchannel_logout_uri=bad)
        assert "backchannel_logout_uri" in errors_of(excinfo)


def test_unknown_scope_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        create(scopes=["openid", "admin"])
    assert "Unknown scopes: admin" in errors_of(excinfo)["allowed_scopes"][0]


def test_empty_scope_list_is_refused_rather_than_unrestricted():
    with pytest.raises(ValidationError) as excinfo:
        create(scopes=[])
    assert "allowed_scopes" in errors_of(excinfo)


@pytest.mark.parametrize("grant_type", ["implicit", "password", "authorization-code"])
def test_unknown_grant_type_is_refused(grant_type):
    with pytest.raises(ValidationError) as excinfo:
        create(grant_types=["authorization_code", grant_type])
    assert f"Unsupported grant types: {grant_type}" in errors_of(excinfo)["grant_types"][0]


def test_no_grant_type_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        create(grant_types=[])
    assert "grant_types" in errors_of(excinfo)


def test_every_problem_is_reported_at_once_and_nothing_is_written():
    with pytest.raises(ValidationError) as excinfo:
        create(
            name=" ",
            redirect_uris=["http://rp.example.com/cb"],
            scopes=["nope"],
            grant_types=["implicit"],
        )
    assert {"name", "redirect_uris", "allowed_scopes", "grant_types"} <= set(errors_of(excinfo))
    assert not Client.objects.exists()
    assert not Event.objects.exists()


def test_redirect_uri_matches_exactly():
    client, _ = create(redirect_uris=["https://rp.example.com/cb?tenant=1"])
    assert client.redirect_uri_allowed("https://rp.example.com/cb?tenant=1")
    for near_miss in (
        "https://rp.example.com/cb?tenant=1/",
        "https://rp.example.com/cb/?tenant=1",
        "https://RP.example.com/cb?tenant=1",
        "https://rp.example.com/CB?tenant=1",
        "https://rp.example.com/cb?tenant=1&extra=2",
        "https://rp.example.com/cb",
        "https://rp.example.com:443/cb?tenant=1",
    ):
        assert not client.redirect_uri_allowed(near_miss), near_miss


def test_redirect_uri_trailing_slash_is_a_different_uri():
    client, _ = create()
    assert client.redirect_uri_allowed(REDIRECT)
    assert not client.redirect_uri_allowed(REDIRECT + "/")
    assert not client.redirect_uri_allowed(REDIRECT + "?x=1")


def test_chosen_client_id_is_kept_and_must_be_unique():
    client, _ = create(client_id="legacy-wiki")
    assert client.client_id == "legacy-wiki"
    with pytest.raises(ValidationError) as excinfo:
        create(client_id="legacy-wiki")
    assert "client_id" in errors_of(excinfo)
    assert Client.objects.count() == 1


@pytest.mark.parametrize("client_id", ["with space", "with:colon", "", "é"])
def test_client_id_that_breaks_basic_auth_is_refused(client_id):
    with pytest.raises(ValidationError) as excinfo:
        create(client_id=client_id)
    assert "client_id" in errors_of(excinfo)


def test_es256_and_skip_consent_are_kept():
    client, _ = create(algorithm="ES256", skip_consent=True)
    assert client.algorithm == "ES256"
    assert client.skip_consent


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        create(algorithm="HS256")
    assert "algorithm" in errors_of(excinfo)


def test_creation_is_audited_without_the_secret(caplog):
    with caplog.at_level(logging.INFO, logger="keyway.audit"):
        client, secret = create()
    event = Event.objects.get(type="client.created")
    assert event.outcome == "success"
    assert event.data["client_id"] == client.client_id
    assert secret not in str(event.data)
    assert secret not in caplog.text
    assert client.client_secret not in caplog.text


def test_rotation_invalidates_the_old_secret():
    client, old = create()
    new = client_secret_rotate(client=client)
    client.refresh_from_db()
    assert new != old
    assert identify_hasher(client.client_secret).algorithm == "keyway_client_secret"
    assert check_secret(new, client.client_secret)
    assert not check_secret(old, client.client_secret)
    event = Event.objects.get(type="client.secret_rotated")
    assert event.data == {"client_id": client.client_id}


def test_public_client_has_no_secret_to_rotate():
    client, _ = create(client_type="public")
    stored = client.client_secret
    with pytest.raises(ValidationError):
        client_secret_rotate(client=client)
    client.refresh_from_db()
    assert client.client_secret == stored
    assert not Event.objects.filter(type="client.secret_rotated").exists()


def test_deactivation_makes_the_client_unusable_and_is_audited():
    client, _ = create()
    client_deactivate(client=client)
    client.refresh_from_db()
    assert not client.is_active
    assert not client.is_usable(None)
    assert Event.objects.get(type="client.deactivated").data == {"client_id": client.client_id}


def test_concurrent_duplicate_client_id_is_a_validation_error_not_a_crash(monkeypatch):
    create(client_id="raced")
    # Simulate the race: the second registration passes validate_unique() before the
    # first one commits, and only the database's unique constraint notices.
    monkeypatch.setattr(Client, "validate_unique", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as excinfo:
        create(client_id="raced")
    assert "client_id" in errors_of(excinfo)
    assert Client.objects.count() == 1
    assert Event.objects.filter(type="client.created").count() == 1
