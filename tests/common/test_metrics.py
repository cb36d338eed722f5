"""/metrics (issue 8): django-prometheus plus Keyway's counters, only for allowed addresses."""

from __future__ import annotations

import base64
import socket

import httpx
import pytest
from django.conf import settings
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from apps.common.metrics import logout_delivery_count, metrics_server_start
from apps.oidc_provider.client_services import client_create
from apps.policies.services import access_decision_record
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db


def _scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_expose_django_prometheus_request_counters(client):
    client.get("/healthz")
    samples = _scrape(client)
    assert any(name.startswith("django_http_requests") for name, _ in samples)
    assert any(name.startswith("django_http_responses_total_by_status") for name, _ in samples)


def test_sign_in_outcomes_are_counted(client, user):
    before = _scrape(client)
    sign_in(client, user.email, "wrong")
    sign_in(client, user.email, "correct horse battery staple")
    after = _scrape(client)
    for outcome in ("failure", "success"):
        name = "keyway_signins_total"
        assert _value(after, name, outcome=outcome) - _value(before, name, outcome=outcome) == 1


def test_tokens_are_counted_by_grant_type(client):
    service, secret = client_create(
        name="Service",
        client_type="confidential",
        redirect_uris=[],
        scopes=["groups"],
        grant_types=["client_credentials"],
    )
    auth = base64.b64encode(f"{service.client_id}:{secret}".encode()).decode()
    before = _scrape(client)
    response = client.post(
        "/oauth/token",
        "grant_type=client_credentials&scope=groups",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    assert response.status_code == 200
    after = _scrape(client)
    name, labels = "keyway_tokens_issued_total", {"grant_type": "client_credentials"}
    assert _value(after, name, **labels) - _value(before, name, **labels) == 1


def test_policy_decisions_are_counted_by_outcome(client, user):
    before = _scrape(client)
    access_decision_record(request=None, user=user, allowed=True, target={}, reasons=[])
    access_decision_record(request=None, user=user, allowed=False, target={}, reasons=["x"])
    after = _scrape(client)
    for outcome in ("allowed", "denied"):
        name = "keyway_policy_decisions_total"
        assert _value(after, name, outcome=outcome) - _value(before, name, outcome=outcome) == 1


def test_metrics_are_not_found_from_an_address_not_allowed(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404


def test_metrics_allow_a_configured_network(client):
    with override_settings(KEYWAY={**settings.KEYWAY, "METRICS_ALLOWED_IPS": ["10.0.0.0/8"]}):
        assert client.get("/metrics", REMOTE_ADDR="10.2.3.4").status_code == 200
        assert client.get("/metrics").status_code == 404  # loopback no longer listed


def test_logout_delivery_outcomes_appear_by_channel(client):
    logout_delivery_count(channel="backchannel", delivered=True)
    logout_delivery_count(channel="saml", delivered=False)
    samples = _scrape(client)
    name = "keyway_logout_deliveries_total"
    assert _value(samples, name, channel="backchannel", outcome="delivered") >= 1
    assert _value(samples, name, channel="saml", outcome="failed") >= 1


def test_a_celery_worker_serves_its_own_counters_on_the_metrics_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    metrics_server_start(port=port, address="127.0.0.1")
    logout_delivery_count(channel="frontchannel", delivered=True)
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert 'keyway_logout_deliveries_total{channel="frontchannel",outcome="delivered"}' in body
