"""audit.selectors.events_filter: what the management API's audit search runs."""

from __future__ import annotations

import uuid

import pytest

from apps.audit.models import Outcome
from apps.audit.selectors import events_filter
from apps.audit.services import event_record

pytestmark = pytest.mark.django_db


def test_client_matches_events_about_it_and_done_by_it():
    event_record(type="client.created", outcome=Outcome.SUCCESS, data={"client_id": "rp"})
    event_record(type="api.write", outcome=Outcome.SUCCESS, data={"by": "client:rp"})
    event_record(type="api.write", outcome=Outcome.SUCCESS, data={"by": "client:other"})
    assert sorted(e.type for e in events_filter(client_id="rp")) == ["api.write", "client.created"]


def test_type_prefix_only_with_a_trailing_dot():
    event_record(type="client.created", outcome=Outcome.SUCCESS)
    event_record(type="clients", outcome=Outcome.SUCCESS)
    assert [e.type for e in events_filter(type="client.")] == ["client.created"]
    assert [e.type for e in events_filter(type="client")] == []


def test_actor_and_newest_first():
    subject = uuid.uuid4()
    event_record(type="a", outcome=Outcome.SUCCESS, actor_subject=subject)
    event_record(type="b", outcome=Outcome.SUCCESS, actor_subject=subject)
    event_record(type="c", outcome=Outcome.SUCCESS)
    assert [e.type for e in events_filter(actor_subject=subject)] == ["b", "a"]
