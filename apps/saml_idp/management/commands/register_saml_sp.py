"""Register (or update) a SAML service provider from its metadata.

    manage.py register_saml_sp --metadata https://app.example.com/saml/metadata \\
        --nameid-format persistent --attribute email=email --attribute groups=groups \\
        --sign-assertion --encrypt-assertion

Re-running with the same entity ID updates the registration (options given replace the
stored ones). ``--json`` prints the result for scripts.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.saml_idp.processors.xml import SamlError
from apps.saml_idp.services import (
    ATTRIBUTE_FIELDS,
    NAMEID_FORMATS,
    sp_metadata_fetch,
    sp_register,
)


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        name, sep, field = pair.partition("=")
        if not sep or not name.strip() or not field.strip():
            raise CommandError(f"--attribute {pair!r}: expected NAME=user_field")
        mapping[name.strip()] = field.strip()
    return mapping


class Command(BaseCommand):
    help = "Register a SAML service provider from its metadata (a file or an http(s) URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--metadata", required=True, help="SP metadata: file path or URL.")
        parser.add_argument("--name", default="", help="Display name (default: from metadata).")
        parser.add_argument("--nameid-format", choices=sorted(NAMEID_FORMATS), default="email")
        parser.add_argument(
            "--attribute",
            action="append",
            default=[],
            metavar="NAME=user_field",
            help=f"SAML attribute from a user field ({', '.join(ATTRIBUTE_FIELDS)}); repeat.",
        )
        parser.add_argument("--sign-assertion", action="store_true")
        parser.add_argument("--sign-response", action="store_true")
        parser.add_argument("--encrypt-assertion", action="store_true")
        parser.add_argument("--allow-idp-initiated", action="store_true")
        parser.add_argument(
            "--require-signed-requests",
            action="store_true",
            help="Refuse unsigned AuthnRequests even if the metadata does not ask for it.",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        mapping = _mapping(options["attribute"])
        # Neither flag: both signed (the safe default). One flag: exactly what was asked.
        sign_assertion, sign_response = options["sign_assertion"], options["sign_response"]
        if not (sign_assertion or sign_response):
            sign_assertion = sign_response = True
        try:
            metadata, url = sp_metadata_fetch(source=options["metadata"])
            sp, created = sp_register(
                metadata=metadata,
                name=options["name"],
                nameid_format=NAMEID_FORMATS[options["nameid_format"]],
                attribute_mapping=mapping,
                sign_assertion=sign_assertion,
                sign_response=sign_response,
                encrypt_assertion=options["encrypt_assertion"],
                allow_idp_initiated=options["allow_idp_initiated"],
                require_signed_requests=True if options["require_signed_requests"] else None,
                metadata_url=url,
            )
        except SamlError as error:
            raise CommandError(str(error)) from error
        result = {
            "entity_id": sp.entity_id,
            "created": created,
            "acs_urls": [e["url"] for e in sp.acs_endpoints],
            "slo_url": sp.slo_url,
            "nameid_format": sp.nameid_format,
            "attributes": sp.attribute_mapping,
            "sign_assertion": sp.sign_assertion,
            "sign_response": sp.sign_response,
            "encrypt_assertion": sp.encrypt_assertion,
            "require_signed_requests": sp.require_signed_requests,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            verb = "Registered" if created else "Updated"
            self.stdout.write(f"{verb} SAML service provider {sp.entity_id}")
