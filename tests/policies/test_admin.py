"""The access model in the admin: every page renders, and a change there reaches
decisions at once (the snapshot version is bumped)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.services import user_create
from apps.policies.models import Policy
from apps.policies.selectors import resource_access_decide
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGES = ["application", "realm", "rule", "policy", "response", "groupnesting"]


@pytest.fixture
def admin_browser(people) -> Client:
    user_create(email="admin@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    browser = Client()
    browser.post("/signin/", {"email": "admin@example.com", "password": PASSWORD})
    return browser


@pytest.mark.parametrize("model", PAGES)
def test_every_admin_page_renders(admin_browser, model) -> None:
    assert admin_browser.get(f"/admin/policies/{model}/").status_code == 200
    assert admin_browser.get(f"/admin/policies/{model}/add/").status_code == 200


def test_disabling_a_policy_in_the_admin_takes_effect_at_once(admin_browser, people) -> None:
    alice = people["alice@example.com"]
    target = {"host": "intranet.example.com", "path": "/index.html"}
    assert resource_access_decide(user=alice, **target).allowed
    policy = Policy.objects.get(name="Employees read")
    page = admin_browser.get(f"/admin/policies/policy/{policy.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "enabled"}
    data["ip_networks"] = "[]"
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        prefix = formset.formset.prefix
        data.update({f"{prefix}-{k}": v for k, v in management.initial.items()})
        for index, inline in enumerate(formset.formset.forms):
            for name, field in inline.fields.items():
                value = inline.initial.get(name, field.initial)
                if value is not None and value is not False:
                    data[f"{prefix}-{index}-{name}"] = value
    response = admin_browser.post(f"/admin/policies/policy/{policy.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not Policy.objects.get(pk=policy.pk).enabled
    assert not resource_access_decide(user=alice, **target).allowed
