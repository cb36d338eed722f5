"""Rotate the signing keys: ``manage.py rotate_signing_keys [--algorithm ...] [--prune]``.

Run it on a schedule (e.g. monthly) and after any suspicion of key exposure. The new key
is published at once and signs after the activation delay; the old one keeps being
published until every token it signed has expired. ``--prune`` then deletes keys that are
no longer published (run it on every rotation: it only removes what nobody needs).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.common.conf import keyway_settings
from apps.oidc_provider.key_services import signing_keys_prune, signing_keys_rotate
from apps.oidc_provider.models import SigningAlgorithm


class Command(BaseCommand):
    help = (
        "Create new signing keys (published now, signing after the activation delay) and "
        "optionally delete keys that are no longer published."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--algorithm",
            action="append",
            choices=SigningAlgorithm.values,
            help="Rotate only this algorithm (repeatable). Default: every algorithm.",
        )
        parser.add_argument(
            "--activation-delay",
            type=int,
            metavar="SECONDS",
            help="Seconds between publishing and signing. Default: KEYWAY "
            f"SIGNING_KEY_ACTIVATION_DELAY ({keyway_settings.SIGNING_KEY_ACTIVATION_DELAY}).",
        )
        parser.add_argument(
            "--prune", action="store_true", help="Also delete keys that are no longer published."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        delay = options["activation_delay"]
        if delay is not None and delay < 0:
            raise CommandError("--activation-delay cannot be negative.")
        effective_delay = keyway_settings.SIGNING_KEY_ACTIVATION_DELAY if delay is None else delay
        safe_delay = keyway_settings.JWKS_MAX_AGE + keyway_settings.SIGNING_KEY_CACHE_SECONDS
        if effective_delay < safe_delay:
            # Allowed (an emergency rotation wants the new key signing at once), but said
            # out loud: relying parties with a cached JWK Set will fail to verify until
            # they refetch it, and other Keyway processes sign with the old key until
            # they re-read the keys.
            self.stderr.write(
                f"Warning: an activation delay of {effective_delay}s is shorter than "
                f"JWKS_MAX_AGE + SIGNING_KEY_CACHE_SECONDS ({safe_delay}s): tokens signed by "
                "the new key may fail verification at relying parties that cached the key set."
            )

        created = signing_keys_rotate(algorithms=options["algorithm"], activation_delay=delay)
        pruned = signing_keys_prune() if options["prune"] else None

        now = timezone.now()
        rows = [
            {
                "kid": key.kid,
                "algorithm": key.algorithm,
                "created_at": key.created_at.isoformat(),
                "active_from": key.active_from.isoformat(),
            }
            for key in created
        ]
        if options["json"]:
            result: dict[str, Any] = {"created": rows}
            if pruned is not None:
                result["pruned"] = pruned
            self.stdout.write(json.dumps(result, indent=2))
            return
        for key in created:
            wait = int((key.active_from - now).total_seconds())
            when = "now" if wait <= 0 else f"in {wait}s"
            self.stdout.write(
                f"{key.algorithm} key {key.kid}: published now, signs from "
                f"{key.active_from.isoformat()} ({when})."
            )
        if pruned is not None:
            self.stdout.write(f"Pruned {pruned} key(s) no longer published.")
