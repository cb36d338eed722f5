"""What a decision asks of the caller's session: sign-in, the realm's acr, its limits."""

from __future__ import annotations

from apps.policies.engine import ALLOW, DENY, Decision
from apps.policies.selectors import access_check

PASSWORD, MFA = "urn:keyway:acr:password", "urn:keyway:acr:mfa"
NOW = 1_800_000_000.0


def protected(**kw) -> Decision:
    return Decision(ALLOW, ("allowed",), protected=True, **kw)


def check(decision: Decision, acr: str | None = PASSWORD, auth_time=NOW - 60, activity=None):
    return access_check(
        decision=decision,
        signed_in=True,
        session_acr=acr,
        auth_time=auth_time,
        last_activity=activity,
        now=NOW,
    )


def test_a_weaker_session_than_the_realm_requires_signs_in_again() -> None:
    result = check(protected(required_acr=PASSWORD), acr="urn:upstream:unknown")
    assert result.status == 401
    assert "stronger sign-in" in result.reason


def test_a_level_keyway_sign_in_cannot_reach_is_forbidden() -> None:
    assert check(protected(required_acr=MFA)).status == 403
    assert check(protected(required_acr=MFA), acr=MFA).status == 200


def test_the_realm_max_timeout_and_idle_timeout_bound_the_session() -> None:
    assert check(protected(max_timeout=3600), auth_time=NOW - 3601).status == 401
    assert check(protected(max_timeout=3600), auth_time=NOW - 3599).status == 200
    idle = protected(idle_timeout=600)
    assert check(idle, auth_time=NOW - 5000, activity=NOW - 601).status == 401
    assert check(idle, auth_time=NOW - 5000, activity=NOW - 10).status == 200


def test_denials_and_missing_sign_ins() -> None:
    assert check(Decision(DENY, ("no",), protected=True)).status == 403
    needs = Decision(DENY, ("sign in",), protected=True, authentication_required=True)
    assert check(needs).status == 401
    assert check(Decision(ALLOW, ("open",))).status == 200
