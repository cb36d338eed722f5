"""Start-up checks for the policy settings."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from apps.common.conf import keyway_settings


@register()
def check_acr_by_level(app_configs: Any = None, **kwargs: Any) -> list:
    levels = keyway_settings.POLICY_ACR_BY_LEVEL
    known = keyway_settings.ACR_LEVELS
    ok = isinstance(levels, list | tuple) and all(
        isinstance(item, list | tuple)
        and len(item) == 2
        and isinstance(item[0], int)
        and item[1] in known
        for item in levels
    )
    if not ok:
        return [
            Error(
                "KEYWAY['POLICY_ACR_BY_LEVEL'] must be a list of [minimum level, acr] pairs "
                "whose acr values are in KEYWAY['ACR_LEVELS'].",
                id="keyway.E701",
            )
        ]
    return []
