"""Register a relying party from the command line and print its credentials once.

    manage.py create_client --name "Wiki" --type confidential \\
        --redirect-uri https://wiki.example.com/oidc/callback --json

The client secret is printed exactly once: Keyway stores only its hash. ``--json`` prints
one JSON object with RFC 7591 section 3.2.1 metadata names, for scripts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.oidc_provider.client_services import client_create
from apps.oidc_provider.models import Client, SigningAlgorithm, TokenEndpointAuthMethod

# Model field -> the option that sets it, so errors point at what the operator typed.
_OPTION_FOR_FIELD = {
    "name": "--name",
    "client_type": "--type",
    "client_id": "--client-id",
    "redirect_uris": "--redirect-uri",
    "post_logout_redirect_uris": "--post-logout-redirect-uri",
    "backchannel_logout_uri": "--backchannel-logout-uri",
    "frontchannel_logout_uri": "--frontchannel-logout-uri",
    "grant_types": "--grant-types",
    "allowed_scopes": "--scopes",
    "token_endpoint_auth_method": "--token-endpoint-auth-method",
    "algorithm": "--algorithm",
}


def split_list(value: str | list[str] | None) -> list[str] | None:
    """``a,b``, ``"a b"`` and repeated/several values all give ``[a, b]``."""
    if value is None:
        return None
    parts = [value] if isinstance(value, str) else value
    return [item for part in parts for item in re.split(r"[\s,]+", part) if item]


def error_lines(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    lines = []
    for field, messages in exc.message_dict.items():
        label = "" if field == NON_FIELD_ERRORS else f"{_OPTION_FOR_FIELD.get(field, field)}: "
        lines.extend(f"{label}{message}" for message in messages)
    return lines


class Command(BaseCommand):
    help = "Register an OpenID Connect client (relying party) and print its credentials once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Shown to people on the consent page.")
        parser.add_argument(
            "--type",
            required=True,
            dest="client_type",
            choices=[Client.CLIENT_CONFIDENTIAL, Client.CLIENT_PUBLIC],
            help="confidential: a server that keeps a secret; public: a browser or native app.",
        )
        parser.add_argument(
            "--redirect-uri",
            action="append",
            dest="redirect_uris",
            default=[],
            metavar="URI",
            help="Repeatable. Matched exactly; https, or http only for loopback.",
        )
        parser.add_argument(
            "--post-logout-redirect-uri",
            action="append",
            dest="post_logout_redirect_uris",
            default=[],
            metavar="URI",
            help="Repeatable. Where RP-initiated logout may send people back to.",
        )
        parser.add_argument("--backchannel-logout-uri", default="", metavar="URI")
        parser.add_argument("--frontchannel-logout-uri", default="", metavar="URI")
        parser.add_argument(
            "--grant-types",
            nargs="+",
            metavar="LIST",
            help="Comma- or space-separated; default authorization_code,refresh_token.",
        )
        parser.add_argument(
            "--scopes",
            nargs="+",
            metavar="LIST",
            help="Comma- or space-separated scopes the client may request; "
            "default openid,profile,email.",
        )
        parser.add_argument(
            "--skip-consent",
            action="store_true",
            help="First-party client: people are not asked for consent.",
        )
        parser.add_argument(
            "--token-endpoint-auth-method",
            choices=TokenEndpointAuthMethod.values,
            help="Default client_secret_basic (confidential) or none (public).",
        )
        parser.add_argument(
            "--algorithm",
            choices=SigningAlgorithm.values,
            default=SigningAlgorithm.RS256,
            help="ID token signing algorithm.",
        )
        parser.add_argument("--client-id", help="Keep this client ID (e.g. a migrated client).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            # client_create validates everything before writing, inside one transaction.
            client, secret = client_create(
                name=options["name"],
                client_type=options["client_type"],
                redirect_uris=options["redirect_uris"] or [],
                post_logout_redirect_uris=options["post_logout_redirect_uris"] or [],
                backchannel_logout_uri=options["backchannel_logout_uri"] or "",
                frontchannel_logout_uri=options["frontchannel_logout_uri"] or "",
                grant_types=split_list(options["grant_types"]),
                scopes=split_list(options["scopes"]),
                skip_consent=options["skip_consent"],
                token_endpoint_auth_method=options["token_endpoint_auth_method"],
                algorithm=options["algorithm"],
                client_id=options["client_id"],
            )
        except ValidationError as exc:
            raise CommandError(
                "The client was not created:\n  " + "\n  ".join(error_lines(exc))
            ) from exc

        if options["json"]:
            self.stdout.write(json.dumps(self._metadata(client, secret), indent=2))
        else:
            self._summary(client, secret)

    @staticmethod
    def _metadata(client: Client, secret: str | None) -> dict[str, Any]:
        """RFC 7591 section 3.2.1 response names, plus Keyway's client_type/skip_consent."""
        data: dict[str, Any] = {
            "client_id": client.client_id,
            "client_secret": secret,
            "client_id_issued_at": int(client.created.timestamp()),
            "client_name": client.name,
            "client_type": client.client_type,
            "redirect_uris": client.redirect_uris.split(),
            "post_logout_redirect_uris": client.post_logout_redirect_uris.split(),
            "backchannel_logout_uri": client.backchannel_logout_uri or None,
            "grant_types": client.grant_types,
            "scope": " ".join(client.allowed_scopes),
            "token_endpoint_auth_method": client.token_endpoint_auth_method,
            "id_token_signed_response_alg": client.algorithm,
            "skip_consent": client.skip_consent,
        }
        if secret is not None:
            # Required with a secret; 0 means it does not expire (RFC 7591 section 3.2.1).
            data["client_secret_expires_at"] = 0
        return data

    def _summary(self, client: Client, secret: str | None) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS(f"Created {client.client_type} client {client.name!r}."))
        write(f"  client_id:      {client.client_id}")
        if secret is not None:
            write(f"  client_secret:  {secret}")
        write(f"  auth method:    {client.token_endpoint_auth_method}")
        write(f"  grant types:    {', '.join(client.grant_types)}")
        write(f"  scopes:         {' '.join(client.allowed_scopes)}")
        for uri in client.redirect_uris.split():
            write(f"  redirect URI:   {uri}")
        if secret is not None:
            write(
                self.style.WARNING(
                    "The client secret is shown only once: store it now. Keyway keeps only "
                    "a hash; if it is lost, rotate it in the admin."
                )
            )
        else:
            write("Public client: no secret. It must use PKCE (S256).")
