"""Publish a new SAML signing credential; it signs after SIGNING_KEY_ACTIVATION_DELAY
(``--now``: at once, for a compromised key — SPs that have not refreshed metadata will
refuse responses until they do)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.saml_idp.credentials import credentials_cache_clear
from apps.saml_idp.services import credential_rotate


class Command(BaseCommand):
    help = "Rotate Keyway's SAML signing credential."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="Sign with it immediately.")

    def handle(self, *args: Any, **options: Any) -> None:
        credential = credential_rotate(immediately=options["now"])
        credentials_cache_clear()
        self.stdout.write(
            f"New SAML signing credential signs from {credential.active_from:%Y-%m-%d %H:%M:%S} UTC"
        )
