import pytest
from django.core.checks import run_checks
from django.test import override_settings

from apps.common.conf import keyway_settings


def _ids(**kwargs):
    return {message.id for message in run_checks(**kwargs)}


def test_default_configuration_passes_keyways_checks():
    assert not {i for i in _ids() if i.startswith("keyway.E")}


@override_settings(KEYWAY={"SIGNIN_THROTTLE_ACOUNT": {}})
def test_misspelt_setting_is_an_error():
    assert "keyway.E001" in _ids()


@pytest.mark.parametrize(
    "policy",
    [
        {"threshold": 0, "base_delay": 1, "max_delay": 2, "window": 3},
        {"threshold": 1, "base_delay": 1, "max_delay": 2},
        {"threshold": "5", "base_delay": 1, "max_delay": 2, "window": 3},
        "5/minute",
    ],
)
def test_malformed_throttle_policy_is_an_error(policy):
    with override_settings(KEYWAY={"SIGNIN_THROTTLE_IP": policy}):
        assert "keyway.E002" in _ids()


@override_settings(
    KEYWAY={"SIGNIN_THROTTLE_IP": {"threshold": 1, "base_delay": 10, "max_delay": 5, "window": 3}}
)
def test_base_delay_above_cap_is_an_error():
    assert "keyway.E003" in _ids()


@override_settings(KEYWAY={"TRUSTED_PROXY_COUNT": -1})
def test_negative_proxy_count_is_an_error():
    assert "keyway.E004" in _ids()


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    CELERY_TASK_ALWAYS_EAGER=True,
)
def test_deploy_checks_warn_about_process_local_stores():
    ids = _ids(include_deployment_checks=True)
    assert {"keyway.W001", "keyway.W003"} <= ids


@override_settings(KEYWAY={"TRUSTED_PROXY_COUNT": 2})
def test_settings_object_sees_overrides_and_defaults():
    assert keyway_settings.TRUSTED_PROXY_COUNT == 2
    assert keyway_settings.SIGNIN_THROTTLE_ACCOUNT["threshold"] == 5


def test_unknown_setting_name_raises():
    with pytest.raises(AttributeError):
        _ = keyway_settings.NOT_A_SETTING
