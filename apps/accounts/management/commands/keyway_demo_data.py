"""Create (or reset) a demo administrator and a demo user for local development.

Refuses to run unless KEYWAY["DEMO_DATA_ALLOWED"] is true, which only the local settings
set: demo accounts with printed passwords must never exist in a deployment.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.selectors import user_get_by_email
from apps.accounts.services import user_create
from apps.common.conf import keyway_settings

DEMO_ACCOUNTS = (
    {
        "email": "admin@keyway.local",
        "given_name": "Ada",
        "family_name": "Admin",
        "is_staff": True,
        "is_superuser": True,
    },
    {"email": "alice@keyway.local", "given_name": "Alice", "family_name": "Example"},
)


class Command(BaseCommand):
    help = "Create or reset the local demo administrator and user, and print their passwords."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not keyway_settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo accounts are only created with the local settings.")
        self.stdout.write("Local demo accounts (passwords are new on every run):")
        for account in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            user = user_get_by_email(email=account["email"])
            if user is None:
                user_create(password=password, **account)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            role = "admin" if account.get("is_staff") else "user "
            self.stdout.write(f"  {role}  {account['email']}  {password}")
