"""Start-up checks of the API's KEYWAY settings."""

from __future__ import annotations

import re
from typing import Any

from django.core.checks import Error, register

from apps.common.conf import keyway_settings

_RATE = re.compile(r"^[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)$")


@register()
def api_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    if not _RATE.match(str(keyway_settings.API_RATE_LIMIT)):
        errors.append(
            Error(
                f"KEYWAY['API_RATE_LIMIT'] = {keyway_settings.API_RATE_LIMIT!r}: use 'N/period', "
                "e.g. '600/minute' (period: second, minute, hour or day).",
                id="keyway.api.E001",
            )
        )
    for name in ("API_MAX_BODY_BYTES", "API_IMPORT_MAX_BYTES", "API_IDEMPOTENCY_TTL"):
        value = getattr(keyway_settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            errors.append(
                Error(f"KEYWAY[{name!r}] must be a positive integer.", id="keyway.api.E002")
            )
    return errors
