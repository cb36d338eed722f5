import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from apps.accounts.selectors import user_get_by_email

pytestmark = pytest.mark.django_db


@override_settings(KEYWAY={"DEMO_DATA_ALLOWED": True})
def test_demo_data_prints_working_credentials_and_can_be_rerun():
    for _ in range(2):
        out = io.StringIO()
        call_command("keyway_demo_data", stdout=out)
        creds = dict(re.findall(r"(\S+@keyway\.local)\s+(\S+)", out.getvalue()))
        assert set(creds) == {"admin@keyway.local", "alice@keyway.local"}
        for email, password in creds.items():
            assert user_get_by_email(email=email).check_password(password)
    assert user_get_by_email(email="admin@keyway.local").is_superuser


def test_demo_data_refuses_outside_local_settings():
    with pytest.raises(CommandError, match="local settings"):
        call_command("keyway_demo_data")
    assert user_get_by_email(email="admin@keyway.local") is None
