"""The API's settings are checked at start-up."""

from __future__ import annotations

from apps.api.checks import api_settings_check


def test_defaults_pass():
    assert api_settings_check() == []


def test_malformed_rate_and_sizes_are_errors(settings):
    settings.KEYWAY = {**settings.KEYWAY, "API_RATE_LIMIT": "lots", "API_MAX_BODY_BYTES": 0}
    assert {e.id for e in api_settings_check()} == {"keyway.api.E001", "keyway.api.E002"}
