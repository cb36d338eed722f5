"""Turning what an upstream IdP says about a person into Keyway's account fields, and the
linking rule. Pure: claims and settings in, decisions out.

Claims come from OIDC (ID token + UserInfo, one value per claim, ``groups`` a list) or
from a SAML AttributeStatement (every attribute a list of strings). ``attribute_map``
names, for each Keyway field, the upstream claim or attribute; ``email_verified`` may be
``true`` to say "this source only asserts addresses it has verified" (a corporate
directory), which is the administrator's call, per source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

OIDC_DEFAULT_MAP = {
    "email": "email",
    "email_verified": "email_verified",
    "given_name": "given_name",
    "family_name": "family_name",
    "display_name": "name",
    "groups": "groups",
}
# Common attribute names: friendly names and the LDAP/eduPerson OIDs (SAML V2.0 X.500/LDAP
# Attribute Profile), so Shibboleth, ADFS and Okta defaults work without a custom map.
SAML_DEFAULT_MAP = {
    "email": [
        "email",
        "mail",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ],
    "given_name": [
        "givenName",
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    ],
    "family_name": [
        "sn",
        "surname",
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    ],
    "display_name": ["displayName", "urn:oid:2.16.840.1.113730.3.1.241"],
    "groups": [
        "groups",
        "memberOf",
        "eduPersonAffiliation",
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.1",
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    ],
}
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
_FIELD_LIMITS = {"given_name": 150, "family_name": 150, "display_name": 255}
MAX_GROUPS = 200
MAX_GROUP_NAME = 150


@dataclass(frozen=True)
class UpstreamProfile:
    email: str
    email_verified: bool
    given_name: str
    family_name: str
    display_name: str
    groups: tuple[str, ...]

    def user_fields(self) -> dict[str, Any]:
        """Fields written to the Keyway user at every sign-in (email is never rewritten)."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "display_name": self.display_name,
        }


def _values(claims: Mapping[str, Any], names: Any) -> list[Any]:
    for name in names if isinstance(names, list) else [names]:
        value = claims.get(name)
        if value not in (None, "", []):
            return value if isinstance(value, list) else [value]
    return []


def _first_text(claims: Mapping[str, Any], names: Any, limit: int = 254) -> str:
    values = _values(claims, names)
    return str(values[0]).strip()[:limit] if values else ""


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def profile_from_claims(
    *,
    claims: Mapping[str, Any],
    attribute_map: Mapping[str, Any],
    defaults: Mapping[str, Any],
    name_id: str = "",
    name_id_format: str = "",
) -> UpstreamProfile:
    mapping = {**defaults, **attribute_map}
    email = _first_text(claims, mapping.get("email", "email"))
    if not email and name_id_format == NAMEID_EMAIL:
        email = name_id.strip()
    verified_rule = mapping.get("email_verified")
    if verified_rule is True or verified_rule is False:
        email_verified = verified_rule
    elif verified_rule:
        values = _values(claims, verified_rule)
        email_verified = bool(values) and _truthy(values[0])
    else:
        email_verified = False
    groups = sorted(
        {str(g).strip()[:MAX_GROUP_NAME] for g in _values(claims, mapping.get("groups", "groups"))}
        - {""}
    )[:MAX_GROUPS]
    fields = {
        name: _first_text(claims, mapping.get(name, name), limit)
        for name, limit in _FIELD_LIMITS.items()
    }
    return UpstreamProfile(
        email=email, email_verified=email_verified and bool(email), groups=tuple(groups), **fields
    )


class LinkDecision(StrEnum):
    CREATE = "create"  # no local account with that email: provision one
    LINK = "link"  # take over the existing local account
    REFUSE = "refuse"  # an account exists and the source's rule does not allow linking


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def link_decide(
    *, rule: str, profile: UpstreamProfile, domains: list[str], account_exists: bool
) -> LinkDecision:
    if not account_exists:
        return LinkDecision.CREATE
    in_domains = not domains or email_domain(profile.email) in domains
    if rule == "verified_email" and profile.email_verified and in_domains:
        return LinkDecision.LINK
    return LinkDecision.REFUSE


def acr_for(*, upstream_acrs: list[str], acr_map: Mapping[str, str], default: str) -> str:
    """Keyway's acr for this sign-in: the first upstream context the source maps, else the
    source's default (an unmapped upstream value must not claim a Keyway level)."""
    for value in upstream_acrs:
        if value in acr_map:
            return acr_map[value]
    return default
