"""Ask the decision engine about one request, as a gateway would.

    manage.py policy_check --user EMAIL --url URL [--method METHOD] [--ip ADDRESS]

Prints the decision as JSON: ``{"decision": "allow"|"deny", "reasons": [...],
"headers": {...}, "claims": {...}, "required_acr": ..., ...}``. ``--user`` may be left
out to ask for an anonymous visitor. Exit status 0 for allow, 3 for deny, 1 for a bad
command line (unknown user, malformed URL).
"""

from __future__ import annotations

import json
import sys
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.selectors import user_get_by_email
from apps.policies.forward_auth import BadForwardedRequest, path_normalise
from apps.policies.selectors import resource_access_decide


class Command(BaseCommand):
    help = "Print the access decision for a user, URL and method as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="the person's email (omit for anonymous)")
        parser.add_argument("--url", required=True, help="e.g. https://intranet.example.com/a")
        parser.add_argument("--method", default="GET")
        parser.add_argument("--ip", help="the client address (for IP-restricted policies)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = user_get_by_email(email=options["user"])
            if user is None:
                raise CommandError(f"No user with the email {options['user']!r}.")
        try:
            parts = urlsplit(options["url"])
            path = path_normalise(parts.path or "/")
        except (ValueError, BadForwardedRequest) as error:
            raise CommandError(f"Not a URL: {error}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError("The URL must be absolute: http(s)://host/path.")
        decision = resource_access_decide(
            user=user,
            host=parts.netloc,
            path=path,
            method=options["method"].upper(),
            ip=options["ip"],
        )
        self.stdout.write(json.dumps(decision.as_dict(), indent=2))
        if not decision.allowed:
            sys.exit(3)
