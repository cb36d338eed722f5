"""Registering relying parties: creating clients, rotating their secrets, deactivating them.

Metadata names follow RFC 7591 section 2 (``redirect_uris``, ``grant_types``, ``scope``,
``token_endpoint_auth_method``), OpenID Connect Dynamic Client Registration 1.0 section 2
(``id_token_signed_response_alg``), RP-Initiated Logout 1.0 section 3.1
(``post_logout_redirect_uris``) and Back-Channel Logout 1.0 section 2.2
(``backchannel_logout_uri``). The registration rules themselves live in ``Client.clean()``;
this module adds the ones that need the settings (scopes) or that the model does not check
yet, and keeps every path (command, admin) on the same rules.

Client secrets are generated here, returned in plaintext exactly once, and stored only as a
``keyway_client_secret`` hash (``OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]``, see
``hashers.py``): a salted SHA-256 is enough for a high-entropy generated secret, and a
memory-hard password hash would throttle the token endpoint.
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.settings import oauth2_settings

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.oidc_provider.models import (
    GRANT_AUTHORIZATION_CODE,
    GRANT_REFRESH_TOKEN,
    Client,
    SigningAlgorithm,
    default_auth_method,
)

# Public clients may refresh too: they prove possession with PKCE at the code exchange and
# refresh tokens are rotated with reuse detection (RFC 9700 section 4.14.2).
DEFAULT_GRANT_TYPES: tuple[str, ...] = (GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN)
DEFAULT_SCOPES: tuple[str, ...] = ("openid", "profile", "email")

# Entropy every generated secret must carry: with 256 bits an offline search of a leaked
# hash is pointless, which is what justifies the fast hasher.
MIN_SECRET_BITS = 256
# DOT's generator draws from oauthlib's UNICODE_ASCII_CHARACTER_SET: letters and digits.
_SECRET_ALPHABET_SIZE = len(string.ascii_letters + string.digits)

# RFC 6749 appendix A.1: client_id = *VSCHAR (%x20-7E). Keyway also refuses the space and
# the colon: HTTP Basic splits "client_id:secret" on the first colon (RFC 7617 section 2)
# and many relying-party libraries skip the form-encoding RFC 6749 section 2.3.1 asks for.
_CLIENT_ID_MAX_LENGTH = 255


def _client_id_problem(client_id: str) -> str | None:
    if not client_id or len(client_id) > _CLIENT_ID_MAX_LENGTH:
        return f"must be 1 to {_CLIENT_ID_MAX_LENGTH} characters long"
    if any(not (0x21 <= ord(ch) <= 0x7E) for ch in client_id):
        return "must be printable ASCII without spaces (RFC 6749 appendix A.1)"
    if ":" in client_id:
        return "must not contain ':' (it would break HTTP Basic client authentication)"
    return None


def known_scopes() -> dict[str, str]:
    """The scopes Keyway knows, with their consent-page descriptions (read per call, so
    ``override_settings`` in tests and a reloaded configuration are both honoured)."""
    return dict(settings.OAUTH2_PROVIDER["SCOPES"])


def client_metadata_errors(
    *,
    name: str,
    redirect_uris: Sequence[str],
    post_logout_redirect_uris: Sequence[str],
    backchannel_logout_uri: str,
    grant_types: Sequence[str],
    scopes: Sequence[str],
) -> dict[str, list[str]]:
    """Registration rules ``Client.clean()`` does not (yet) check, keyed by model field.

    Shared by ``client_create`` and the admin form so both refuse the same things.
    """
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["A client needs a name: people see it on the consent page."]
    # URIs are stored space-separated (DOT's format), so a URI with whitespace inside would
    # silently become two registrations; RFC 3986 URIs have no whitespace anyway.
    for field, uris in (
        ("redirect_uris", redirect_uris),
        ("post_logout_redirect_uris", post_logout_redirect_uris),
    ):
        for uri in uris:
            if not uri.strip() or any(ch.isspace() for ch in uri):
                errors.setdefault(field, []).append(
                    f"{uri!r}: must not be empty or contain spaces."
                )
    # Back-Channel Logout 1.0 section 2.2: absolute, no fragment, https (http only where
    # the OP allows it: here, like redirect URIs, only for loopback development hosts).
    # The logout URIs' own rules are Client.clean()'s (run by full_clean below).
    if not grant_types:
        errors["grant_types"] = ["Choose at least one grant type."]
    # RFC 6749 section 3.3: the authorization server decides which scopes a client may
    # have; only scopes Keyway can describe on the consent page and answer for are allowed.
    # An empty list is refused rather than read as "no restriction".
    known = known_scopes()
    unknown = [scope for scope in scopes if scope not in known]
    if unknown:
        errors["allowed_scopes"] = [
            f"Unknown scopes: {', '.join(unknown)}. Known scopes: {', '.join(known)}."
        ]
    elif not scopes:
        errors["allowed_scopes"] = ["Choose at least one scope."]
    return errors


def _secret_new() -> str:
    """A fresh client secret from DOT's generator (128 letters and digits by default)."""
    secret = generate_client_secret()
    bits = len(secret) * math.log2(_SECRET_ALPHABET_SIZE)
    if bits < MIN_SECRET_BITS:
        # Only a misconfigured CLIENT_SECRET_GENERATOR_LENGTH/CLASS gets here; the fast
        # hasher is only acceptable for secrets nobody can search for.
        raise ImproperlyConfigured(
            f"Client secrets must carry at least {MIN_SECRET_BITS} bits; the configured "
            f"generator gives about {bits:.0f}."
        )
    return secret


def _secret_hash(secret: str) -> str:
    # Hash explicitly rather than relying on ClientSecretField.pre_save guessing whether the
    # value is already a hash: the stored value is then a keyway_client_secret hash by
    # construction, whatever the plaintext looks like.
    return make_password(secret, hasher=oauth2_settings.CLIENT_SECRET_HASHER)


def _actor(request: HttpRequest | None) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"actor_subject": user.subject, "actor_email": user.email}


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def client_create(
    *,
    name: str,
    client_type: str,
    redirect_uris: Sequence[str],
    post_logout_redirect_uris: Sequence[str] = (),
    backchannel_logout_uri: str = "",
    frontchannel_logout_uri: str = "",
    grant_types: Sequence[str] | None = None,
    scopes: Sequence[str] | None = None,
    skip_consent: bool = False,
    token_endpoint_auth_method: str | None = None,
    algorithm: str = SigningAlgorithm.RS256,
    client_id: str | None = None,
    request: HttpRequest | None = None,
) -> tuple[Client, str | None]:
    """Register a relying party; return it and its plaintext secret (None if public).

    RFC 6749 section 2.1: a confidential client gets a secret and authenticates with
    ``client_secret_basic`` (default) or ``client_secret_post`` (section 2.3.1); a public
    client gets none and uses ``none`` (RFC 7591 section 2). Redirect URIs are registered
    exactly as given and later compared as plain strings (section 3.1.2, OIDC Core
    3.1.2.1). The secret is returned once and only its hash is stored.

    Raises ``ValidationError`` keyed by model field with every problem found; nothing is
    written then. ``request`` (optional) names the acting administrator in the audit event.
    """
    is_public = client_type == Client.CLIENT_PUBLIC
    if token_endpoint_auth_method is None:
        token_endpoint_auth_method = default_auth_method(client_type)
    grant_types = _unique(DEFAULT_GRANT_TYPES if grant_types is None else grant_types)
    scopes = _unique(DEFAULT_SCOPES if scopes is None else scopes)
    redirect_uris = _unique(redirect_uris)
    post_logout_redirect_uris = _unique(post_logout_redirect_uris)

    errors = client_metadata_errors(
        name=name,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris,
        backchannel_logout_uri=backchannel_logout_uri,
        grant_types=grant_types,
        scopes=scopes,
    )
    if client_id is not None:
        problem = _client_id_problem(client_id)
        if problem:
            errors.setdefault("client_id", []).append(f"The client ID {problem}.")

    secret = None if is_public else _secret_new()
    client = Client(
        name=name.strip(),
        client_type=client_type,
        redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(post_logout_redirect_uris),
        backchannel_logout_uri=backchannel_logout_uri,
        frontchannel_logout_uri=frontchannel_logout_uri,
        grant_types=grant_types,
        allowed_scopes=scopes,
        skip_authorization=skip_consent,
        token_endpoint_auth_method=token_endpoint_auth_method,
        algorithm=algorithm,
        hash_client_secret=True,
        # A public client has no secret, but the column is never left empty: an empty (or
        # hashed empty) value would let "" authenticate if the client were ever treated as
        # confidential. The hash of a discarded random value fails closed instead.
        client_secret=_secret_hash(secret if secret is not None else _secret_new()),
    )
    if client_id is not None:
        client.client_id = client_id
    try:
        # clean() derives DOT's authorization_grant_type from grant_types, so that field is
        # not validated before clean() has set it.
        client.full_clean(exclude=["authorization_grant_type"])
    except ValidationError as exc:
        exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            client.save()
            event_record(
                type="client.created",
                outcome=Outcome.SUCCESS,
                request=request,
                data={"client_id": client.client_id, "client_type": client.client_type},
                **_actor(request),
            )
    except IntegrityError as exc:
        # Only a concurrent registration of the same client_id gets past validate_unique().
        raise ValidationError(
            {"client_id": ["A client with this client ID already exists."]}
        ) from exc
    return client, secret


def client_secret_rotate(*, client: Client, request: HttpRequest | None = None) -> str:
    """Give a confidential client a new secret; the old one stops working at once.

    The secret is the client's password (RFC 6749 section 2.3.1). There is no overlap
    period: rotate when the relying party is ready to switch, or because the old secret
    leaked. Returns the new plaintext, which is not stored.
    """
    if client.client_type != Client.CLIENT_CONFIDENTIAL:
        raise ValidationError(
            {"client_type": ["Only confidential clients have a secret to rotate."]}
        )
    secret = _secret_new()
    with transaction.atomic():
        client.client_secret = _secret_hash(secret)
        client.hash_client_secret = True
        client.save(update_fields=["client_secret", "hash_client_secret", "updated"])
        event_record(
            type="client.secret_rotated",
            outcome=Outcome.SUCCESS,
            request=request,
            data={"client_id": client.client_id},
            **_actor(request),
        )
    return secret


def client_deactivate(*, client: Client, request: HttpRequest | None = None) -> None:
    """Stop a client: it gets ``invalid_client`` from now on (``Client.is_usable``).

    Tokens already issued to it are not revoked here.
    """
    with transaction.atomic():
        client.is_active = False
        client.save(update_fields=["is_active", "updated"])
        event_record(
            type="client.deactivated",
            outcome=Outcome.SUCCESS,
            request=request,
            data={"client_id": client.client_id},
            **_actor(request),
        )


def client_update(
    *, client: Client, changed: Sequence[str], request: HttpRequest | None = None
) -> None:
    """Save edits already applied and validated on ``client`` (the admin's change form).

    Audited with the names of the changed fields (redirect URIs decide where codes go),
    never their values. Deactivation through the form is recorded as ``client.deactivated``.
    """
    deactivated = "is_active" in changed and not client.is_active
    with transaction.atomic():
        client.save()
        if changed:
            event_record(
                type="client.updated",
                outcome=Outcome.SUCCESS,
                request=request,
                data={"client_id": client.client_id, "fields": sorted(changed)},
                **_actor(request),
            )
        if deactivated:
            event_record(
                type="client.deactivated",
                outcome=Outcome.SUCCESS,
                request=request,
                data={"client_id": client.client_id},
                **_actor(request),
            )


# Client fields an administrator may change after registration (the API's PATCH).
CLIENT_CHANGEABLE_FIELDS = (
    "name",
    "redirect_uris",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
    "frontchannel_logout_uri",
    "grant_types",
    "scopes",
    "skip_consent",
    "is_active",
    "may_introspect",
    "algorithm",
    "session_max_age",
    "session_idle_timeout",
    "required_acr",
)
_LIST_FIELDS = ("redirect_uris", "post_logout_redirect_uris")
_RENAMED = {"scopes": "allowed_scopes", "skip_consent": "skip_authorization"}


def client_change(
    *, client: Client, fields: dict[str, Any], request: HttpRequest | None = None
) -> Client:
    """Change a registered client with the same rules as registration
    (``client_metadata_errors`` and ``Client.clean()``); nothing is written when one fails
    (``ValidationError`` keyed by field). URI lists are given as lists, like at creation."""
    unknown = set(fields) - set(CLIENT_CHANGEABLE_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in unknown})
    changed = []
    for name, value in fields.items():
        if name in _LIST_FIELDS:
            value = " ".join(_unique(value))
        elif name in ("grant_types", "scopes"):
            value = _unique(value)
        attribute = _RENAMED.get(name, name)
        if getattr(client, attribute) != value:
            setattr(client, attribute, value)
            changed.append(attribute)
    if not changed:
        return client
    errors = client_metadata_errors(
        name=client.name,
        redirect_uris=client.redirect_uris.split(),
        post_logout_redirect_uris=client.post_logout_redirect_uris.split(),
        backchannel_logout_uri=client.backchannel_logout_uri,
        grant_types=client.grant_types,
        scopes=client.allowed_scopes,
    )
    try:
        client.full_clean(exclude=["authorization_grant_type", "client_secret"])
    except ValidationError as exc:
        exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    client_update(client=client, changed=changed, request=request)
    return client
