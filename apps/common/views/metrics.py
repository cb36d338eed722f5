"""``GET /metrics``: the Prometheus exposition, for the addresses allowed to scrape it."""

from __future__ import annotations

import ipaddress

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

from apps.common.conf import keyway_settings
from apps.common.http import client_ip_address


def _allowed(address: str | None) -> bool:
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(
        ip in ipaddress.ip_network(network, strict=False)
        for network in keyway_settings.METRICS_ALLOWED_IPS
    )


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    # 404 rather than 403: from elsewhere the endpoint does not exist.
    if not _allowed(client_ip_address(request)):
        raise Http404
    return ExportToDjangoView(request)
