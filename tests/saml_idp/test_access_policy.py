"""The SAML sign-on step enforces access policies for the SP (imported from SiteMinder or
set in Keyway): RequestDenied for people they do not permit (SAML Core 3.2.2.2), a
stronger sign-in when the policy needs one, obligations as attributes."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth.models import Group
from lxml import etree

from apps.audit.models import Event
from apps.sso_sessions.models import Participant
from tests.policies.governance import govern as govern_application
from tests.saml_idp.flows import sp_accepts, sso
from tests.saml_idp.sp import SamlSp

pytestmark = pytest.mark.django_db

STATUS = "{urn:oasis:names:tc:SAML:2.0:protocol}StatusCode"


def govern(entity_id: str, **options: str) -> None:
    govern_application("saml", entity_id, **options)


def _statuses(answer) -> list[str]:
    root = etree.fromstring(base64.b64decode(answer.fields["SAMLResponse"]))
    return [node.get("Value").rsplit(":", 1)[1] for node in root.iter(STATUS)]


def test_a_person_the_policy_does_not_permit_gets_request_denied(client, user, register) -> None:
    sp = register(SamlSp())
    govern(sp.entity_id)

    answer = sso(client, sp, user)

    assert answer.action == sp.acs_url
    assert _statuses(answer) == ["Responder", "RequestDenied"]
    assert not Participant.objects.exists()
    event = Event.objects.get(type="saml.sso_refused", data__reason="access_denied")
    assert event.actor_email == user.email


def test_a_permitted_person_signs_on(client, user, register) -> None:
    user.groups.add(Group.objects.create(name="staff"))
    sp = register(SamlSp())
    govern(sp.entity_id)
    assert sp_accepts(sp, sso(client, sp, user)).get_nameid() == user.email


def test_a_required_acr_keyway_cannot_reach_gets_no_authn_context(client, user, register) -> None:
    user.groups.add(Group.objects.create(name="staff"))
    sp = register(SamlSp())
    govern(sp.entity_id, acr="urn:example:acr:hardware-token")
    assert _statuses(sso(client, sp, user)) == ["Responder", "NoAuthnContext"]


def test_a_required_acr_above_the_session_signs_in_again_once(client, user, register) -> None:
    from tests.saml_idp.flows import follow_to_form, sign_in, start

    user.groups.add(Group.objects.create(name="staff"))
    sp = register(SamlSp())
    govern(sp.entity_id, acr="urn:keyway:acr:mfa")
    sign_in(client, user)
    _request_id, response = start(client, sp)
    continuation = client.get(response["Location"])
    assert continuation["Location"].startswith("/signin/")  # step-up: sign in again

    _action, fields = follow_to_form(client, continuation, user)
    root = etree.fromstring(base64.b64decode(fields["SAMLResponse"]))
    assert [n.get("Value").rsplit(":", 1)[1] for n in root.iter(STATUS)] == [
        "Responder",
        "NoAuthnContext",
    ]
