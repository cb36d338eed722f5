"""Options shared by the register_* commands."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.management.base import CommandError, CommandParser

from apps.federation.models import LinkRule


def add_common_arguments(parser: CommandParser) -> None:
    parser.add_argument("--name", required=True, help="Shown on the sign-in page.")
    parser.add_argument("--slug", default="", help="URL name (default: from --name).")
    parser.add_argument(
        "--domains",
        default="",
        help="Comma-separated email domains sent to this provider (home-realm discovery).",
    )
    parser.add_argument(
        "--link-rule",
        choices=LinkRule.values,
        default=LinkRule.NEVER,
        help="May a first sign-in take over an existing account with the same email? "
        "never (default) or verified_email.",
    )
    parser.add_argument(
        "--attribute-map",
        default="",
        metavar="JSON",
        help='Keyway field -> upstream claim, e.g. \'{"groups": "memberOf"}\'.',
    )


def common_values(options: dict[str, Any]) -> dict[str, Any]:
    try:
        attribute_map = json.loads(options["attribute_map"]) if options["attribute_map"] else {}
    except json.JSONDecodeError as error:
        raise CommandError(f"--attribute-map is not JSON: {error}") from error
    if not isinstance(attribute_map, dict):
        raise CommandError("--attribute-map must be a JSON object.")
    return {
        "name": options["name"],
        "slug": options["slug"],
        "domains": [d for d in re.split(r"[\s,]+", options["domains"]) if d],
        "link_rule": options["link_rule"],
        "attribute_map": attribute_map,
    }
