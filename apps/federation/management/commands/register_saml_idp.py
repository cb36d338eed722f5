"""Register an upstream SAML identity provider from its metadata.

    manage.py register_saml_idp --name "Corp" --metadata https://idp.corp.example/metadata \\
        --domains corp.example

``--metadata`` is a file or an http(s) URL; URL metadata is re-read by Celery beat, which
is how a signing-certificate rollover reaches Keyway. Prints Keyway's SP metadata URL (to
register at the IdP).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.federation.errors import FederationRejected
from apps.federation.management.commands._options import add_common_arguments, common_values
from apps.federation.saml_sp.config import sp_endpoints
from apps.federation.services import saml_source_register
from apps.oidc_provider.oauth import issuer


class Command(BaseCommand):
    help = "Register an upstream SAML IdP from its metadata (file or URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_common_arguments(parser)
        parser.add_argument("--metadata", required=True, metavar="FILE_OR_URL")

    def handle(self, *args: Any, **options: Any) -> None:
        metadata = options["metadata"]
        if not metadata.startswith(("https://", "http://")):
            try:
                metadata = Path(metadata).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"Cannot read {metadata}: {error}") from error
        try:
            source = saml_source_register(metadata=metadata, **common_values(options))
        except FederationRejected as error:
            raise CommandError(f"Unusable metadata ({error.reason}). {error.detail}") from error
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        endpoints = sp_endpoints(base_url=issuer(), slug=source.slug)
        self.stdout.write(
            f"Registered {source.name} ({source.idp_entity_id}).\n"
            f"Keyway's SP metadata for the IdP: {endpoints.entity_id}\n"
            f"ACS: {endpoints.acs_url}\nSingle Logout: {endpoints.slo_url}"
        )
