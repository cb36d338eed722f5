import json
import logging

import pytest
from django.test import RequestFactory, override_settings

from apps.audit.models import Event, Outcome
from apps.audit.services import event_record

pytestmark = pytest.mark.django_db


def test_event_is_stored_and_logged_as_one_json_line(caplog, user):
    request = RequestFactory().post("/x", REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT="pytest")
    with caplog.at_level(logging.INFO, logger="keyway.audit"):
        event = event_record(
            type="signin",
            outcome=Outcome.SUCCESS,
            request=request,
            actor_subject=user.subject,
            actor_email=user.email,
            data={"method": "password"},
        )
    stored = Event.objects.get(pk=event.pk)
    assert (stored.type, stored.outcome, stored.ip, stored.user_agent) == (
        "signin",
        "success",
        "192.0.2.1",
        "pytest",
    )
    # Rendered by the handler's formatter: the structured pipeline every log line takes.
    formatter = logging.getLogger("keyway.audit").handlers[0].formatter
    line = json.loads(formatter.format(caplog.records[-1]))
    assert line["event"] == "audit"
    assert line["type"] == "signin"
    assert line["actor_subject"] == str(user.subject)
    assert line["data"] == {"method": "password"}


@override_settings(KEYWAY={"TRUSTED_PROXY_COUNT": 1})
def test_unparseable_forwarded_address_is_stored_as_unknown():
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="not-an-ip")
    event = event_record(type="signin", outcome=Outcome.FAILURE, request=request)
    assert event.ip is None


def test_events_cannot_be_edited_in_the_admin(admin_client):
    event = event_record(type="signin", outcome=Outcome.FAILURE)
    page = admin_client.get(f"/admin/audit/event/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/audit/event/{event.pk}/delete/").status_code == 403
