"""Logout delivery: retries, backoff and the recorded outcome of every attempt, against real
HTTP endpoints on loopback; and once through a real Celery worker on the real broker.

How Celery runs here, and why:

- Ordinary tests run the delivery task **eagerly**, in-process and synchronously: the
  autouse ``_eager_celery`` fixture sets ``app.conf.task_always_eager`` and restores it
  afterwards. The embedded default is eager anyway; on PostgreSQL + Redis the app is
  configured with the broker (``CELERY_TASK_ALWAYS_EAGER`` is False), and without this
  fixture every delivery would be published to Redis where no worker consumes it: it would
  outlive the test run and be picked up, for rows that no longer exist, by the next real
  worker. Changing ``settings.CELERY_TASK_ALWAYS_EAGER`` would not help: Celery read the
  Django settings once, when the app was configured.
- Eagerly, the task retries in a loop at once (no broker to wait on), so the whole retry
  sequence happens inside the on-commit callback and can be asserted on. It does not use
  Celery's eager ``self.retry``, which re-raises instead of retrying when eager errors
  propagate (as the settings have it): ``test_embedded_default_sign_out_survives_an_
  unreachable_relying_party`` runs with the settings exactly as configured.
- Deliveries are queued by ``transaction.on_commit``, which never fires in a ``db`` test
  (its transaction is rolled back): ``django_capture_on_commit_callbacks(execute=True)``
  runs the callbacks when its block ends.
- ``test_a_real_worker_delivers_through_the_broker`` turns eager mode **off** and starts a
  real Celery worker thread (``celery.contrib.testing.worker.start_worker``, solo pool) on
  the configured broker, in a ``transactional_db`` test: the worker thread has its own
  database connection and sees only committed rows. It purges the queue first (leftovers
  of an interrupted run would otherwise be consumed by it), lets Celery leave the logging
  configuration alone, and waits at most 20 seconds. Without a broker (the embedded
  default) it is skipped, unless ``KEYWAY_REQUIRE_CELERY_WORKER=1`` (CI's PostgreSQL +
  Redis run), which makes a missing broker a failure.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import jwt
import pytest
from django.conf import settings as django_settings

from apps.audit.models import Event, Outcome
from apps.sso_sessions.models import DeliveryStatus, LogoutDelivery, SignOnSession
from tests.conftest import PASSWORD
from tests.oidc_provider.conftest import Flow
from tests.sso_sessions.logout_receiver import (
    LogoutReceiver,
    celery_always_eager,
    closed_port_url,
)

pytestmark = pytest.mark.django_db

REQUIRE_WORKER_ENV = "KEYWAY_REQUIRE_CELERY_WORKER"
WORKER_WAIT_SECONDS = 20


@pytest.fixture(autouse=True)
def _eager_celery() -> Iterator[None]:
    with celery_always_eager(True):
        yield


@pytest.fixture
def delivery_settings(settings):
    """Override KEYWAY's delivery settings: ``delivery_settings(MAX_ATTEMPTS=2)``."""

    def apply(**values: object) -> None:
        settings.KEYWAY = {
            **settings.KEYWAY,
            **{f"LOGOUT_DELIVERY_{name}": value for name, value in values.items()},
        }

    return apply


def sign_out_of(browser, rp_url: str, make_client, capture) -> tuple[LogoutDelivery, object]:
    """Sign in is done; get tokens for a client whose back-channel URI is ``rp_url``, sign
    out with the on-commit callbacks executed, and return the delivery and the client."""
    rp = make_client(backchannel_logout_uri=rp_url)
    flow = Flow(browser, rp)
    flow.exchange(flow.get_code())
    with capture(execute=True):
        assert browser.post("/signout/").status_code == 200
    return LogoutDelivery.objects.get(party_id=rp.client_id), rp


def test_an_unreachable_relying_party_is_retried_then_recorded_as_failed(
    make_client, signed_in, django_capture_on_commit_callbacks
):
    delivery, rp = sign_out_of(
        signed_in, closed_port_url(), make_client, django_capture_on_commit_callbacks
    )
    max_attempts = django_settings.KEYWAY["LOGOUT_DELIVERY_MAX_ATTEMPTS"]
    assert max_attempts > 1
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == max_attempts
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("ConnectError")
    assert delivery.delivered_at is None
    # Only the final outcome is audited, once.
    (event,) = Event.objects.filter(type="logout.delivery")
    assert event.outcome == Outcome.FAILURE
    assert event.data["attempts"] == max_attempts
    assert event.data["party_id"] == rp.client_id


def test_a_relying_party_answering_500_twice_then_200_is_delivered_on_the_third_attempt(
    make_client, signed_in, django_capture_on_commit_callbacks
):
    with LogoutReceiver(statuses=[500, 500, 200]) as receiver:
        delivery, rp = sign_out_of(
            signed_in, receiver.url, make_client, django_capture_on_commit_callbacks
        )
        assert receiver.wait_for(3, timeout=5)
    assert len(receiver.requests) == 3
    assert delivery.status == DeliveryStatus.DELIVERED
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (3, 200, "")
    assert delivery.delivered_at is not None

    # Every attempt carries a token of its own (fresh iat/exp/jti); the row keeps the jti of
    # the last one, the one that was accepted.
    claims = [
        jwt.decode(r.logout_token, options={"verify_signature": False}) for r in receiver.requests
    ]
    assert len({c["jti"] for c in claims}) == 3
    assert delivery.jti == claims[-1]["jti"]
    assert all(c["aud"] == rp.client_id for c in claims)
    (event,) = Event.objects.filter(type="logout.delivery")
    assert event.outcome == Outcome.SUCCESS


def test_a_204_answer_counts_as_delivered(
    make_client, signed_in, django_capture_on_commit_callbacks
):
    """Section 2.8: some frameworks answer 204 for an empty 200; both mean success."""
    with LogoutReceiver(statuses=[204]) as receiver:
        delivery, _ = sign_out_of(
            signed_in, receiver.url, make_client, django_capture_on_commit_callbacks
        )
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        204,
    )


def test_a_relying_party_that_rejects_the_token_is_not_asked_again(
    make_client, signed_in, django_capture_on_commit_callbacks, delivery_settings
):
    """Section 2.8: a 400 means the receiver refused this token; the next one would be
    refused too, so it is recorded as failed at once."""
    delivery_settings(MAX_ATTEMPTS=3)
    with LogoutReceiver(statuses=[400]) as receiver:
        delivery, _ = sign_out_of(
            signed_in, receiver.url, make_client, django_capture_on_commit_callbacks
        )
    assert len(receiver.requests) == 1
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.FAILED,
        1,
        400,
    )
    assert delivery.last_error == "HTTP 400"


def test_redirects_are_not_followed(
    make_client, signed_in, django_capture_on_commit_callbacks, delivery_settings
):
    """The token goes only to the registered URI; a 3xx is a failed attempt, never a hop."""
    delivery_settings(MAX_ATTEMPTS=2)
    with (
        LogoutReceiver() as elsewhere,
        LogoutReceiver(statuses=[307], redirect_to=elsewhere.url) as receiver,
    ):
        delivery, _ = sign_out_of(
            signed_in, receiver.url, make_client, django_capture_on_commit_callbacks
        )
    assert len(receiver.requests) == 2
    assert elsewhere.requests == []
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.FAILED, 307)


def test_a_slow_relying_party_times_out(
    make_client, signed_in, django_capture_on_commit_callbacks, delivery_settings
):
    delivery_settings(MAX_ATTEMPTS=1, TIMEOUT=0.2)
    with LogoutReceiver(delay=1.0) as receiver:
        delivery, _ = sign_out_of(
            signed_in, receiver.url, make_client, django_capture_on_commit_callbacks
        )
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("ReadTimeout")
    # From planning to the recorded outcome: the timeout, not the receiver's second.
    assert (delivery.updated_at - delivery.created_at).total_seconds() < 1.0


def test_the_admin_lists_deliveries_read_only(
    admin_client, make_client, signed_in, django_capture_on_commit_callbacks
):
    with LogoutReceiver(statuses=[503, 200]) as receiver:
        delivery, rp = sign_out_of(
            signed_in, receiver.url, make_client, django_capture_on_commit_callbacks
        )
    changelist = admin_client.get("/admin/sso_sessions/logoutdelivery/")
    assert changelist.status_code == 200
    assert rp.client_id.encode() in changelist.content
    filtered = admin_client.get("/admin/sso_sessions/logoutdelivery/?status__exact=failed")
    assert rp.client_id.encode() not in filtered.content
    detail = admin_client.get(f"/admin/sso_sessions/logoutdelivery/{delivery.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content  # view only
    assert admin_client.get("/admin/sso_sessions/logoutdelivery/add/").status_code == 403
    deleted = admin_client.post(
        f"/admin/sso_sessions/logoutdelivery/{delivery.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert LogoutDelivery.objects.filter(pk=delivery.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_embedded_default_sign_out_survives_an_unreachable_relying_party(client, user, make_client):
    """Eager Celery exactly as the settings configure it: a relying party that is down
    must cost retries, never the person's sign-out."""
    client.post("/signin/", {"email": user.email, "password": PASSWORD})
    rp = make_client(backchannel_logout_uri=closed_port_url())
    flow = Flow(client, rp)
    flow.exchange(flow.get_code())
    with celery_always_eager(True, propagates=django_settings.CELERY_TASK_EAGER_PROPAGATES):
        assert client.post("/signout/").status_code == 200
    delivery = LogoutDelivery.objects.get(party_id=rp.client_id)
    assert delivery.status == DeliveryStatus.FAILED


# --- A real worker on the real broker --------------------------------------------------------


def _broker_or_skip() -> str:
    broker = django_settings.CELERY_BROKER_URL
    if broker:
        return broker
    reason = "no Celery broker configured (REDIS_URL or CELERY_BROKER_URL): tasks run eagerly"
    if os.environ.get(REQUIRE_WORKER_ENV) == "1":
        pytest.fail(f"{reason}, but {REQUIRE_WORKER_ENV}=1 requires a real worker.")
    pytest.skip(reason)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_through_the_broker(
    client, user, make_client, delivery_settings, monkeypatch
):
    _broker_or_skip()
    from celery import signals
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    # The first attempt fails, so the retry goes through the broker with a countdown too.
    delivery_settings(RETRY_DELAY=1)
    # The embedded worker must not reconfigure this process: a setup_logging receiver keeps
    # Celery's hands off the root logger (it would drop pytest's handlers and set the level
    # to ERROR for every later test), and the system checks it would re-run are tested
    # elsewhere. Environment variables it sets are restored by monkeypatch.
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    monkeypatch.delenv("CELERY_LOG_LEVEL", raising=False)
    monkeypatch.delenv("CELERY_LOG_FILE", raising=False)

    def keep_logging(**kwargs: object) -> None:
        return None

    signals.setup_logging.connect(keep_logging, weak=False)
    client.post("/signin/", {"email": user.email, "password": PASSWORD})
    try:
        with (
            celery_always_eager(False),
            LogoutReceiver(statuses=[503, 200]) as receiver,
        ):
            rp = make_client(backchannel_logout_uri=receiver.url)
            flow = Flow(client, rp)
            flow.exchange(flow.get_code())
            sid = SignOnSession.objects.get(user=user, ended_at__isnull=True).sid
            app.control.purge()  # leftovers of an interrupted run are not this test's
            with start_worker(
                app, pool="solo", perform_ping_check=False, shutdown_timeout=10
            ) as worker:
                assert worker is not None
                # Commits, then publishes the delivery to the broker.
                assert client.post("/signout/").status_code == 200
                delivery = _wait_for_outcome(rp.client_id, timeout=WORKER_WAIT_SECONDS)
            app.control.purge()
    finally:
        signals.setup_logging.disconnect(keep_logging)

    assert delivery is not None, f"no outcome within {WORKER_WAIT_SECONDS} s"
    assert delivery.status == DeliveryStatus.DELIVERED
    assert (delivery.attempts, delivery.last_status_code) == (2, 200)
    assert len(receiver.requests) == 2
    claims = jwt.decode(receiver.requests[-1].logout_token, options={"verify_signature": False})
    assert claims["sid"] == sid
    assert claims["jti"] == delivery.jti


def _wait_for_outcome(party_id: str, *, timeout: float) -> LogoutDelivery | None:
    """The delivery once it is no longer pending, polling for at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = LogoutDelivery.objects.filter(party_id=party_id).first()
        if delivery is not None and delivery.status != DeliveryStatus.PENDING:
            return delivery
        time.sleep(0.1)
    return None


def test_deliveries_left_pending_are_queued_again(make_client, user, delivery_settings):
    """A broker outage at logout leaves rows pending; the beat task picks them up."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.sso_sessions.tasks import logout_deliveries_resume

    delivery_settings(MAX_ATTEMPTS=1)
    with LogoutReceiver() as receiver:
        client = make_client(backchannel_logout_uri=receiver.url)
        delivery = LogoutDelivery.objects.create(
            user=user,
            channel="backchannel",
            party_id=client.client_id,
            target_url=receiver.url,
            reason="admin",
        )
        fresh = LogoutDelivery.objects.create(
            user=user,
            channel="backchannel",
            party_id=client.client_id,
            target_url=receiver.url,
            reason="admin",
        )
        LogoutDelivery.objects.filter(pk=delivery.pk).update(
            updated_at=timezone.now() - timedelta(hours=1)
        )
        assert logout_deliveries_resume() == 1
    delivery.refresh_from_db()
    fresh.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert fresh.status == DeliveryStatus.PENDING
    assert len(receiver.requests) == 1
