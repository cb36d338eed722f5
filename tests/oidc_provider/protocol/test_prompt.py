"""OIDC Core 3.1.2.1 / 3.1.2.6: prompt, max_age and id_token_hint decisions."""

import pytest

from apps.oidc_provider.protocol.prompt import Facts, Outcome, decide, prompt_problem

NOW = 1_800_000_000


def facts(**overrides):
    base = dict(
        prompt=[],
        max_age=None,
        signed_in_subject="alice",
        auth_time=NOW - 60,
        now=NOW,
        hint_subject=None,
        fresh_login_done=False,
        consent_needed=False,
    )
    base.update(overrides)
    return Facts(**base)


def test_signed_in_with_consent_proceeds():
    assert decide(facts()).outcome is Outcome.PROCEED


def test_nobody_signed_in_means_sign_in_first():
    assert decide(facts(signed_in_subject=None, auth_time=None)).outcome is Outcome.LOGIN


def test_prompt_none_without_sign_in_is_login_required():
    decision = decide(facts(prompt=["none"], signed_in_subject=None, auth_time=None))
    assert (decision.outcome, decision.error) == (Outcome.ERROR, "login_required")


def test_prompt_none_without_consent_is_consent_required():
    decision = decide(facts(prompt=["none"], consent_needed=True))
    assert (decision.outcome, decision.error) == (Outcome.ERROR, "consent_required")


def test_prompt_login_forces_a_new_sign_in_until_one_happened():
    assert decide(facts(prompt=["login"])).outcome is Outcome.LOGIN
    assert decide(facts(prompt=["login"], fresh_login_done=True)).outcome is Outcome.PROCEED


def test_max_age_exceeded_requires_sign_in_and_within_it_proceeds():
    assert decide(facts(max_age=30)).outcome is Outcome.LOGIN
    assert decide(facts(max_age=120)).outcome is Outcome.PROCEED
    assert decide(facts(max_age=0, auth_time=NOW)).outcome is Outcome.PROCEED


def test_max_age_exceeded_with_prompt_none_is_login_required():
    assert decide(facts(max_age=30, prompt=["none"])).error == "login_required"


def test_id_token_hint_for_another_user_asks_for_that_user_once():
    assert decide(facts(hint_subject="bob")).outcome is Outcome.LOGIN
    after = decide(facts(hint_subject="bob", fresh_login_done=True))
    assert (after.outcome, after.error) == (Outcome.ERROR, "login_required")
    assert decide(facts(hint_subject="bob", prompt=["none"])).error == "login_required"
    assert decide(facts(hint_subject="alice")).outcome is Outcome.PROCEED


def test_consent_needed_shows_the_consent_page():
    assert decide(facts(consent_needed=True)).outcome is Outcome.CONSENT


@pytest.mark.parametrize(
    ("prompt", "ok"),
    [
        ([], True),
        (["login"], True),
        (["login", "consent"], True),
        (["none"], True),
        (["none", "login"], False),
        (["select_account"], False),
        (["bogus"], False),
    ],
)
def test_prompt_values(prompt, ok):
    assert (prompt_problem(prompt) is None) is ok


def test_client_limits_exceeded_requires_sign_in_once():
    assert decide(facts(client_limits_exceeded=True)).outcome is Outcome.LOGIN
    assert (
        decide(facts(client_limits_exceeded=True, fresh_login_done=True)).outcome is Outcome.PROCEED
    )


def test_insufficient_acr_asks_to_sign_in_then_reports_unmet_requirements():
    assert decide(facts(acr_insufficient=True)).outcome is Outcome.LOGIN
    after = decide(facts(acr_insufficient=True, fresh_login_done=True))
    assert after.error == "unmet_authentication_requirements"
    assert (
        decide(facts(acr_insufficient=True, prompt=["none"])).error
        == "unmet_authentication_requirements"
    )
