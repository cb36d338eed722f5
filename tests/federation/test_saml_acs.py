"""The SAML ACS accepts genuinely signed responses from a real IdP (pysaml2) to Keyway's
own requests, and signs the person in with mapped attributes and groups."""

from __future__ import annotations

import pytest

from apps.accounts.selectors import user_get_by_email, user_group_names

pytestmark = pytest.mark.django_db


def test_signed_assertion_signs_the_person_in_with_mapped_attributes(client, saml_answer):
    answer = saml_answer(next_url="/account/sessions/")
    response = client.post(answer.acs_url, {"SAMLResponse": answer.saml_response})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/account/sessions/"
    user = user_get_by_email(email="alice@corp.example")
    assert (user.given_name, user.family_name) == ("Alice", "Corp")
    assert user_group_names(user=user) == ["engineering", "staff"]
