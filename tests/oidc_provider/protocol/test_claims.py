"""OIDC Core 5.4: claims released by scope; 5.3.2: sub always, empty claims omitted."""

from apps.oidc_provider.protocol.claims import UserClaims, claims_for_scopes

USER = UserClaims(
    sub="s-1",
    name="Alice Example",
    given_name="Alice",
    family_name="Example",
    preferred_username="alice@example.com",
    email="alice@example.com",
    email_verified=True,
    updated_at=1700000000,
    groups=("admins", "staff"),
)


def test_openid_alone_releases_only_sub():
    assert claims_for_scopes(USER, ["openid"]) == {"sub": "s-1"}


def test_email_scope_releases_email_and_verification():
    claims = claims_for_scopes(USER, ["openid", "email"])
    assert claims == {"sub": "s-1", "email": "alice@example.com", "email_verified": True}


def test_profile_scope_releases_names():
    claims = claims_for_scopes(USER, ["openid", "profile"])
    assert claims["given_name"] == "Alice"
    assert claims["family_name"] == "Example"
    assert claims["updated_at"] == 1700000000
    assert "email" not in claims


def test_groups_scope_releases_group_names():
    assert claims_for_scopes(USER, ["groups"])["groups"] == ["admins", "staff"]


def test_empty_values_are_left_out():
    bare = UserClaims(sub="s-2", email="x@example.com")
    assert claims_for_scopes(bare, ["openid", "profile", "email"]) == {
        "sub": "s-2",
        "email": "x@example.com",
        "email_verified": False,
    }
