"""Putting one application under an access policy, the way an import would: shared by the
tests of every enforcement point (OIDC authorize, SAML sign-on)."""

from __future__ import annotations

from apps.policies.services import StorePlan, policy_store_sync


def govern(
    kind: str,
    party_id: str,
    *,
    group: str = "staff",
    acr: str = "",
    claims: dict[str, tuple[str, str]] | None = None,
) -> None:
    """An application for the OIDC client or SAML SP whose one realm lets ``group`` in;
    ``claims`` (name -> (static value, user attribute)) become the policy's response."""
    plan = StorePlan()
    response = None
    if claims:
        response = "response"
        plan.add("responses", response, name="claims")
        for name, (value, attribute) in claims.items():
            plan.add(
                "response_entries",
                f"entry-{name}",
                name=name,
                response=response,
                kind="claim",
                value=value,
                user_attribute=attribute,
            )
    plan.add("applications", "app", name=party_id, hosts=[], kind=kind, party_id=party_id)
    plan.add(
        "realms", "realm", name="all", application="app", resource_filter="/", required_acr=acr
    )
    plan.add("rules", "rule", name="use", realm="realm", resource="", match="prefix")
    plan.add("policies", "policy", name=f"{group} may use it")
    plan.add("policy_subjects", "who", name=group, policy="policy", kind="group", value=group)
    plan.add("policy_rules", "bind", name="bind", policy="policy", rule="rule", response=response)
    policy_store_sync(plan=plan, prune=False, dry_run=False)
