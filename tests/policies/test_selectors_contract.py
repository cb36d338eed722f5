"""The contract other apps (the SAML IdP, authorize) rely on."""

from __future__ import annotations

import pytest

from apps.policies.selectors import application_access_decide


@pytest.mark.django_db
def test_an_application_no_policy_governs_is_allowed(user) -> None:
    for protocol, party in (("oidc", "some-client"), ("saml", "https://sp.example.com/")):
        decision = application_access_decide(user=user, protocol=protocol, party_id=party)
        assert decision.allowed
        assert decision.decision == "allow"
        assert "no policy governs" in decision.reasons[0]
        assert decision.required_acr is None
        assert decision.headers == {}
        assert decision.claims == {}
