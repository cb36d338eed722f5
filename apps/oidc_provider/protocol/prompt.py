"""Whether an authorization request may proceed with the current sign-in, or needs the
person first: OpenID Connect Core 1.0 section 3.1.2.1 (``prompt``, ``max_age``,
``id_token_hint``) and 3.1.2.6 (the errors for ``prompt=none``).

Pure decision logic: the authorize view gathers the facts and acts on the outcome.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass


class Outcome(enum.Enum):
    PROCEED = "proceed"
    LOGIN = "login"  # send the person to sign in, then come back
    CONSENT = "consent"  # show the consent page
    ERROR = "error"  # redirect an OIDC error to the client


@dataclass(frozen=True)
class Facts:
    prompt: Collection[str]
    max_age: int | None
    signed_in_subject: str | None  # None when nobody is signed in
    auth_time: int | None  # epoch seconds of the sign-in
    now: int
    hint_subject: str | None  # sub of a valid id_token_hint, if any
    fresh_login_done: bool  # the person signed in again because this request asked
    consent_needed: bool  # scopes beyond what was consented (or prompt=consent)
    # The client's own session policy (older or idler than it accepts).
    client_limits_exceeded: bool = False
    # The session's acr is weaker than the client requires (step-up).
    acr_insufficient: bool = False


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    error: str = ""
    description: str = ""


def prompt_problem(prompt: Collection[str]) -> str | None:
    """Section 3.1.2.1: ``none`` must not be combined with any other value."""
    known = {"none", "login", "consent"}
    unknown = set(prompt) - known
    if unknown:
        return f"Unsupported prompt value(s): {', '.join(sorted(unknown))}."
    if "none" in prompt and len(set(prompt)) > 1:
        return "prompt=none cannot be combined with other values."
    return None


def decide(facts: Facts) -> Decision:
    silent = "none" in facts.prompt

    def need_login(description: str) -> Decision:
        if silent:
            return Decision(Outcome.ERROR, "login_required", description)
        return Decision(Outcome.LOGIN, description=description)

    if facts.signed_in_subject is None:
        return need_login("The end-user is not signed in.")
    if "login" in facts.prompt and not facts.fresh_login_done:
        return need_login("The client asked for the end-user to sign in again.")
    if facts.max_age is not None and (
        facts.auth_time is None or facts.now - facts.auth_time > facts.max_age
    ):
        return need_login("The sign-in is older than max_age allows.")
    if facts.client_limits_exceeded and not facts.fresh_login_done:
        return need_login("The sign-in is older than this client accepts.")
    if facts.acr_insufficient:
        if facts.fresh_login_done or silent:
            # Signed in again and still not strong enough: no local method reaches it.
            return Decision(
                Outcome.ERROR,
                "unmet_authentication_requirements",
                "The sign-in does not meet the authentication level required.",
            )
        return Decision(Outcome.LOGIN, description="This client requires a stronger sign-in.")
    if facts.hint_subject is not None and facts.hint_subject != facts.signed_in_subject:
        # The hinted user is not the one signed in: sign in as them (3.1.2.1 id_token_hint).
        if silent or facts.fresh_login_done:
            return Decision(
                Outcome.ERROR,
                "login_required",
                "The signed-in end-user is not the one id_token_hint names.",
            )
        return Decision(Outcome.LOGIN, description="Sign in as the hinted end-user.")
    if facts.consent_needed:
        if silent:
            return Decision(
                Outcome.ERROR, "consent_required", "The end-user has not consented to these scopes."
            )
        return Decision(Outcome.CONSENT)
    return Decision(Outcome.PROCEED)
