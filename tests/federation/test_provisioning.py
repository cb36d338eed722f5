"""Claim mapping and the linking rule (apps/federation/provisioning.py), pure functions."""

from __future__ import annotations

from apps.federation.provisioning import (
    NAMEID_EMAIL,
    OIDC_DEFAULT_MAP,
    SAML_DEFAULT_MAP,
    LinkDecision,
    acr_for,
    link_decide,
    profile_from_claims,
)


def _profile(claims, attribute_map=None, defaults=OIDC_DEFAULT_MAP, **kw):
    return profile_from_claims(
        claims=claims, attribute_map=attribute_map or {}, defaults=defaults, **kw
    )


def test_oidc_claims_map_to_user_fields_and_groups():
    profile = _profile(
        {
            "email": "a@corp.example",
            "email_verified": True,
            "given_name": "A",
            "family_name": "B",
            "name": "A B",
            "groups": ["x", "y", "x", " "],
        }
    )
    assert profile.email_verified is True
    assert profile.user_fields() == {"given_name": "A", "family_name": "B", "display_name": "A B"}
    assert profile.groups == ("x", "y")


def test_an_email_is_unverified_unless_the_upstream_says_so():
    assert _profile({"email": "a@corp.example"}).email_verified is False
    assert _profile({"email": "a@corp.example", "email_verified": "false"}).email_verified is False


def test_a_source_may_vouch_for_every_email_it_sends():
    profile = _profile({"mail": ["a@corp.example"]}, {"email_verified": True}, SAML_DEFAULT_MAP)
    assert profile.email_verified is True


def test_saml_attributes_by_oid_and_a_custom_group_attribute():
    claims = {
        "urn:oid:0.9.2342.19200300.100.1.3": ["a@corp.example"],
        "urn:oid:2.5.4.42": ["Ann"],
        "memberOf": ["cn=admins", "cn=staff"],
    }
    profile = _profile(claims, {"groups": "memberOf"}, SAML_DEFAULT_MAP)
    assert (profile.email, profile.given_name, profile.groups) == (
        "a@corp.example",
        "Ann",
        ("cn=admins", "cn=staff"),
    )


def test_an_email_nameid_stands_in_for_a_missing_email_attribute():
    profile = _profile(
        {}, {}, SAML_DEFAULT_MAP, name_id="a@corp.example", name_id_format=NAMEID_EMAIL
    )
    assert profile.email == "a@corp.example"


def test_overlong_values_are_cut_to_the_user_model_limits():
    profile = _profile({"given_name": "x" * 500, "groups": ["g" * 500]})
    assert len(profile.given_name) == 150
    assert len(profile.groups[0]) == 150


def _decide(rule, verified, domains, exists=True, email="a@corp.example"):
    profile = _profile({"email": email, "email_verified": verified})
    return link_decide(rule=rule, profile=profile, domains=domains, account_exists=exists)


def test_a_new_email_creates_an_account():
    assert _decide("never", False, [], exists=False) is LinkDecision.CREATE


def test_never_linking_refuses_a_clashing_email_even_if_verified():
    assert _decide("never", True, ["corp.example"]) is LinkDecision.REFUSE


def test_an_unverified_email_never_links():
    assert _decide("verified_email", False, ["corp.example"]) is LinkDecision.REFUSE


def test_a_verified_email_links_only_within_the_sources_domains():
    assert _decide("verified_email", True, ["corp.example"]) is LinkDecision.LINK
    assert _decide("verified_email", True, ["corp.example"], email="a@gmail.com") is (
        LinkDecision.REFUSE
    )
    assert _decide("verified_email", True, []) is LinkDecision.LINK


def test_only_a_mapped_upstream_acr_claims_a_keyway_level():
    acr_map = {"urn:corp:mfa": "urn:keyway:acr:mfa"}
    assert acr_for(upstream_acrs=["urn:corp:mfa"], acr_map=acr_map, default="d") == (
        "urn:keyway:acr:mfa"
    )
    assert acr_for(upstream_acrs=["urn:keyway:acr:mfa"], acr_map={}, default="d") == "d"
