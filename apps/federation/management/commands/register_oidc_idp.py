"""Register an upstream OpenID Connect provider.

    manage.py register_oidc_idp --name "Okta" \\
        --discovery-url https://corp.okta.com/.well-known/openid-configuration \\
        --client-id ID --client-secret SECRET --domains corp.example

The client secret is stored encrypted (KEYWAY_KEY_ENCRYPTION_KEYS). Prints the redirect
URI to register at the provider.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.federation.management.commands._options import add_common_arguments, common_values
from apps.federation.services import (
    oidc_redirect_uri,
    oidc_source_register,
    upstream_return_url,
)


class Command(BaseCommand):
    help = "Register an upstream OpenID Connect provider (authorization code + PKCE)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_common_arguments(parser)
        parser.add_argument("--discovery-url", required=True, metavar="URL")
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--scopes", default="openid email profile")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["discovery_url"].endswith("/.well-known/openid-configuration"):
            raise CommandError("--discovery-url must end with /.well-known/openid-configuration")
        try:
            source = oidc_source_register(
                discovery_url=options["discovery_url"],
                client_id=options["client_id"],
                client_secret=options["client_secret"],
                scopes=options["scopes"],
                **common_values(options),
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            f"Registered {source.name}.\n"
            f"Redirect URI to register at the provider: "
            f"{oidc_redirect_uri(slug=source.slug)}\n"
            f"Post-logout redirect URI (for sign-out at the provider): {upstream_return_url()}"
        )
