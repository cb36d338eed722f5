"""System checks for the FEDERATION_* settings."""

from __future__ import annotations

import pytest

from apps.federation.checks import check_federation_settings


def test_the_default_settings_pass():
    assert check_federation_settings() == []


@pytest.mark.parametrize("skew", [-1, 301, "120"])
def test_a_clock_skew_outside_what_python3_saml_applies_is_an_error(settings, skew):
    settings.KEYWAY = {**settings.KEYWAY, "FEDERATION_CLOCK_SKEW": skew}
    assert [e.id for e in check_federation_settings()] == ["federation.E001"]


def test_a_zero_timeout_is_an_error(settings):
    settings.KEYWAY = {**settings.KEYWAY, "FEDERATION_HTTP_TIMEOUT": 0}
    assert [e.id for e in check_federation_settings()] == ["federation.E002"]
