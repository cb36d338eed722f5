"""The authorize step enforces access policies for the client (imported from SiteMinder
or set in Keyway): access_denied for people they do not permit, acr step-up."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group

from apps.audit.models import Event
from tests.oidc_provider.conftest import Flow
from tests.policies.governance import govern as govern_application

pytestmark = pytest.mark.django_db


def govern(client_id: str, **options: str) -> None:
    govern_application("oidc", client_id, **options)


def query_of(response) -> dict:
    assert response.status_code == 302, response.content[:300]
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def test_a_person_the_policy_does_not_permit_gets_access_denied(flow: Flow, user) -> None:
    govern(flow.rp.client_id)
    params = query_of(flow.authorize())
    assert params["error"] == "access_denied"
    assert params["state"] == flow.state
    event = Event.objects.get(type="oidc.policy_denied")
    assert event.actor_email == user.email
    assert event.data["client_id"] == flow.rp.client_id


def test_a_denied_person_never_sees_the_consent_page(flow: Flow) -> None:
    govern(flow.rp.client_id)
    response = flow.authorize()
    assert response.status_code == 302  # straight back to the client, no consent page


def test_a_permitted_person_gets_a_code(flow: Flow, user) -> None:
    user.groups.add(Group.objects.create(name="staff"))
    govern(flow.rp.client_id)
    assert flow.get_code()


def test_an_unmanaged_client_is_unaffected(flow: Flow, make_client) -> None:
    govern("some-other-client")
    assert flow.get_code()


def test_a_required_acr_above_the_session_signs_in_again_then_fails(flow: Flow, user) -> None:
    user.groups.add(Group.objects.create(name="staff"))
    govern(flow.rp.client_id, acr="urn:keyway:acr:mfa")
    first = flow.authorize()
    assert first.status_code == 302
    assert urlsplit(first["Location"]).path == "/signin/"
    back = parse_qs(urlsplit(first["Location"]).query)["next"][0]
    signed_in = flow.browser.post(
        "/signin/", {"email": user.email, "password": "correct horse battery staple", "next": back}
    )
    again = flow.browser.get(signed_in["Location"])
    assert query_of(again)["error"] == "unmet_authentication_requirements"


def test_prompt_none_with_a_required_acr_above_the_session_fails_at_once(
    signed_in, first_party, user
) -> None:
    flow = Flow(signed_in, first_party)
    user.groups.add(Group.objects.create(name="staff"))
    govern(flow.rp.client_id, acr="urn:keyway:acr:mfa")
    assert query_of(flow.authorize(prompt="none"))["error"] == "unmet_authentication_requirements"


def test_claims_the_policy_obliges_reach_the_id_token_and_userinfo(flow: Flow, user) -> None:
    from apps.oidc_provider import keys

    user.groups.add(Group.objects.create(name="staff"))
    govern(
        flow.rp.client_id,
        claims={"department": ("Engineering", ""), "mail": ("", "email"), "sub": ("forged", "")},
    )
    tokens = flow.exchange(flow.get_code()).json()
    claims = keys.jwt_verify(token=tokens["id_token"])
    assert claims["department"] == "Engineering"
    assert claims["mail"] == user.email
    assert claims["sub"] == str(user.subject)  # a policy never replaces Keyway's own claims
    info = flow.browser.get(
        "/oauth/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    ).json()
    assert info["department"] == "Engineering"
    assert info["sub"] == str(user.subject)
