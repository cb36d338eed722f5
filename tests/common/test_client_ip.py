import pytest
from django.test import RequestFactory, override_settings

from apps.common.http import client_ip


def _request(xff=None, remote="10.9.9.9"):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@override_settings(KEYWAY={"TRUSTED_PROXY_COUNT": 0})
def test_without_trusted_proxies_forwarded_for_is_ignored():
    assert client_ip(_request("1.2.3.4")) == "10.9.9.9"


@pytest.mark.parametrize(
    ("count", "xff", "expected"),
    [
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client forged the first entry
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.1", "1.2.3.4"),
        (2, "1.2.3.4", "10.9.9.9"),  # fewer hops than proxies: do not trust it
        (1, "", "10.9.9.9"),
    ],
)
def test_client_is_the_nth_entry_from_the_right(count, xff, expected):
    with override_settings(KEYWAY={"TRUSTED_PROXY_COUNT": count}):
        assert client_ip(_request(xff)) == expected
