"""policy_store_sync writes a plan all or nothing."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from apps.policies.models import Application, Realm
from apps.policies.services import StorePlan, policy_store_sync

pytestmark = pytest.mark.django_db


def test_a_plan_that_fails_halfway_writes_nothing() -> None:
    plan = StorePlan()
    plan.add("applications", "A", name="a.example.com", hosts=["a.example.com"])
    plan.add("realms", "R", name="r", application="A", resource_filter="/")
    # A rule whose realm is not in the plan: the database refuses it after the
    # application and the realm were written.
    plan.add("rules", "X", name="orphan", realm="missing", resource="", match="prefix")
    with pytest.raises(IntegrityError):
        policy_store_sync(plan=plan, prune=False, dry_run=False)
    assert not Application.objects.exists()
    assert not Realm.objects.exists()


def test_a_dry_run_reports_creates_and_writes_nothing() -> None:
    plan = StorePlan()
    plan.add("applications", "A", name="a.example.com", hosts=["a.example.com"])
    result = policy_store_sync(plan=plan, prune=False, dry_run=True)
    assert result.counts["applications"]["create"] == 1
    assert not Application.objects.exists()
