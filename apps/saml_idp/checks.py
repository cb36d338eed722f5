"""Start-up checks for the SAML IdP settings."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register

from apps.common.conf import keyway_settings

_POSITIVE = (
    "SAML_ASSERTION_LIFETIME",
    "SAML_REQUEST_MAX_AGE",
    "SAML_MESSAGE_MAX_BYTES",
    "SAML_METADATA_VALID_DAYS",
)


@register(Tags.security)
def check_saml_settings(app_configs: Any = None, **kwargs: Any) -> list:
    errors = [
        Error(f"KEYWAY[{name!r}] must be a positive integer.", id="keyway.E101")
        for name in _POSITIVE
        if not isinstance(getattr(keyway_settings, name), int)
        or getattr(keyway_settings, name) <= 0
    ]
    skew = keyway_settings.SAML_CLOCK_SKEW
    if not isinstance(skew, int) or not 0 <= skew <= 600:
        errors.append(
            Error(
                "KEYWAY['SAML_CLOCK_SKEW'] must be an integer from 0 to 600 seconds.",
                id="keyway.E102",
            )
        )
    classes = keyway_settings.SAML_AUTHN_CONTEXT_CLASSES
    if not isinstance(classes, dict) or not all(isinstance(v, str) and v for v in classes.values()):
        errors.append(
            Error(
                "KEYWAY['SAML_AUTHN_CONTEXT_CLASSES'] must map acr values to class URIs.",
                id="keyway.E103",
            )
        )
    entity_id = keyway_settings.SAML_IDP_ENTITY_ID
    if not isinstance(entity_id, str) or len(entity_id) > 1024:
        errors.append(
            Error(
                "KEYWAY['SAML_IDP_ENTITY_ID'] must be a URI of at most 1024 characters.",
                id="keyway.E104",
            )
        )
    return errors
