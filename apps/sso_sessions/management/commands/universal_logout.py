"""Sign one person out everywhere from the command line (universal logout).

    manage.py universal_logout --user alice@example.com [--json]

Every sign-on session of the person ends, every token they hold is revoked
(``offline_access`` included) and every application that had a session or a token is told
(back-channel logout). Prints how many sessions ended and how many logout notifications were
queued; ``--json`` prints one JSON object, for scripts.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.selectors import user_get_by_email
from apps.sso_sessions.services import user_universal_logout


class Command(BaseCommand):
    help = "Sign a person out everywhere: end every session, revoke every token, tell every app."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user", required=True, metavar="EMAIL", help="The person's email address."
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["user"].strip()
        # A NUL byte would be a database error on PostgreSQL; no address contains one.
        user = user_get_by_email(email=email) if email and "\x00" not in email else None
        if user is None:
            raise CommandError(f"No user has the email address {email!r}.")
        result = user_universal_logout(user=user)
        deliveries = [
            {"channel": d.channel, "party_id": d.party_id, "sid": d.sid or None}
            for d in result.deliveries
        ]
        if options["json"]:
            summary = {
                "user": user.email,
                "sub": str(user.subject),
                "sessions_ended": result.sessions_ended,
                "deliveries_queued": len(deliveries),
                "deliveries": deliveries,
            }
            self.stdout.write(json.dumps(summary, indent=2))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Signed {user.email} out everywhere: {result.sessions_ended} session(s) ended, "
                f"{len(deliveries)} logout notification(s) queued."
            )
        )
        for delivery in deliveries:
            self.stdout.write(f"  {delivery['channel']}: {delivery['party_id']}")
