"""System checks for the FEDERATION_* settings."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register

from apps.common.conf import keyway_settings

# python3-saml applies its own 300-second drift to SubjectConfirmation times; a larger
# Keyway skew would be silently capped there.
MAX_CLOCK_SKEW = 300


@register(Tags.security)
def check_federation_settings(app_configs: Any = None, **kwargs: Any) -> list:
    errors = []
    skew = keyway_settings.FEDERATION_CLOCK_SKEW
    if not isinstance(skew, int) or not 0 <= skew <= MAX_CLOCK_SKEW:
        errors.append(
            Error(
                f"KEYWAY['FEDERATION_CLOCK_SKEW'] must be an integer from 0 to {MAX_CLOCK_SKEW}.",
                id="federation.E001",
            )
        )
    for name in (
        "FEDERATION_REQUEST_TTL",
        "FEDERATION_HTTP_TIMEOUT",
        "FEDERATION_METADATA_REFRESH_SECONDS",
    ):
        value = getattr(keyway_settings, name)
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            errors.append(
                Error(f"KEYWAY[{name!r}] must be a positive number.", id="federation.E002")
            )
    return errors
