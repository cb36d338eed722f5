"""Writing relying parties imported from the legacy Node.js auth service, and upgrading
their legacy secret hashes.

``clients_import`` applies a parsed file (``importers.clients``) in ONE transaction (client
files are small): a new ``client_id`` goes through ``client_create`` and an existing one is
updated in place through ``client_update``, both after the same rules (``Client.clean`` via
``full_clean`` and ``client_metadata_errors``). A record that breaks a rule is rejected and
the others still import. Re-running the same file changes nothing: every record is then
"unchanged". ``dry_run`` checks everything and writes nothing (no rows, no audit events).

Secrets keep working as they did in the legacy service: a plaintext secret is stored with
the fast ``keyway_client_secret`` hasher, a bcrypt hash as ``legacy_bcrypt$<hash>`` (which
Django's ``check_password``, used by django-oauth-toolkit, verifies). bcrypt costs ~75 ms
per token request, so ``client_secret_upgrade`` replaces it with the fast hash on the
client's first successful authentication, when the plaintext is known.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import check_password, identify_hasher
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings

from apps.audit.models import Event, Outcome
from apps.audit.services import event_record
from apps.oidc_provider.client_services import (
    DEFAULT_GRANT_TYPES,
    DEFAULT_SCOPES,
    _secret_hash,
    _secret_new,
    client_create,
    client_metadata_errors,
    client_update,
)
from apps.oidc_provider.importers.clients import (
    WEAK_SECRET_LENGTH,
    LegacyClient,
    ParsedFile,
    Position,
)
from apps.oidc_provider.models import Client

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"
STATUSES = (CREATED, UPDATED, UNCHANGED, REJECTED)
UPGRADE_EVENT = "client.secret_upgraded"


@dataclass
class RecordResult:
    position: Position
    client_id: str | None
    status: str
    reasons: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position.as_dict(),
            "client_id": self.client_id,
            "status": self.status,
            "reasons": self.reasons,
            "changed": self.changed,
            "warnings": self.warnings,
        }


@dataclass
class ImportResult:
    dry_run: bool
    records: list[RecordResult]

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(r.status for r in self.records)
        return {status: counts.get(status, 0) for status in STATUSES}

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "summary": self.summary,
            "records": [r.as_dict() for r in self.records],
        }


def _fingerprint(encoded: str) -> str:
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def secret_hash_algorithm(encoded: str) -> str | None:
    """The hasher's name for a stored client secret, or None if it is not a known hash."""
    try:
        return identify_hasher(encoded).algorithm
    except ValueError:
        return None


# --- Upgrading legacy hashes -----------------------------------------------------------------


def client_secret_upgrade(*, client: Client, plaintext: str) -> bool:
    """Re-hash ``client``'s secret with the fast client-secret hasher; True if it did.

    Called right after ``plaintext`` authenticated the client against a slower (legacy
    bcrypt) hash. The write only happens if the stored hash is still the one that was
    checked, so a secret rotated in the meantime is never overwritten. The audit event
    keeps fingerprints (SHA-256 of the stored strings, not of the secret) of both hashes,
    which lets a later run of the import see that the file's hash was upgraded, not changed.
    """
    old = client.client_secret
    if secret_hash_algorithm(old) == oauth2_settings.CLIENT_SECRET_HASHER:
        return False
    if not check_password(plaintext, old) and old != plaintext:
        return False
    new = _secret_hash(plaintext)
    with transaction.atomic():
        written = Client.objects.filter(pk=client.pk, client_secret=old).update(
            client_secret=new, hash_client_secret=True, updated=timezone.now()
        )
        if not written:
            return False
        event_record(
            type=UPGRADE_EVENT,
            outcome=Outcome.SUCCESS,
            data={
                "client_id": client.client_id,
                "from": secret_hash_algorithm(old) or "plaintext",
                "to": oauth2_settings.CLIENT_SECRET_HASHER,
                "from_fingerprint": _fingerprint(old),
                "to_fingerprint": _fingerprint(new),
                # The fast hash suits only long random secrets: rotate short ones.
                "short_secret": len(plaintext) < WEAK_SECRET_LENGTH,
            },
        )
    client.client_secret = new
    client.hash_client_secret = True
    return True


def _upgraded_from(client: Client, legacy_hash: str) -> bool:
    """``client``'s current secret is the fast re-hash of ``legacy_hash`` (by the upgrade)."""
    return Event.objects.filter(
        type=UPGRADE_EVENT,
        data__client_id=client.client_id,
        data__from_fingerprint=_fingerprint(legacy_hash),
        data__to_fingerprint=_fingerprint(client.client_secret),
    ).exists()


# --- Importing -------------------------------------------------------------------------------


def _desired(record: LegacyClient) -> dict[str, Any]:
    """The model fields the import manages, as the record wants them."""
    return {
        "name": record.name,
        "client_type": record.client_type,
        "redirect_uris": " ".join(record.redirect_uris),
        "post_logout_redirect_uris": " ".join(record.post_logout_redirect_uris),
        "grant_types": list(
            DEFAULT_GRANT_TYPES if record.grant_types is None else record.grant_types
        ),
        "allowed_scopes": list(DEFAULT_SCOPES if record.scopes is None else record.scopes),
        "token_endpoint_auth_method": record.token_endpoint_auth_method,
        "skip_authorization": record.skip_consent,
    }


def _secret_current(client: Client, record: LegacyClient) -> bool:
    """The stored secret already accepts exactly the record's secret."""
    if record.is_public or client.client_type == Client.CLIENT_PUBLIC:
        # A public client's stored value is the hash of a discarded random value; a client
        # changing type gets a fresh one (or the record's secret).
        return record.is_public and client.client_type == Client.CLIENT_PUBLIC
    stored = client.client_secret
    if record.secret_hash is not None:
        return stored == record.secret_hash or _upgraded_from(client, record.secret_hash)
    return check_password(record.secret_plaintext, stored)


def _stored_secret(record: LegacyClient) -> str | None:
    if record.secret_hash is not None:
        return record.secret_hash
    if record.secret_plaintext is not None:
        return _secret_hash(record.secret_plaintext)
    return None


def _errors(client: Client, record: LegacyClient) -> list[str]:
    errors = client_metadata_errors(
        name=record.name,
        redirect_uris=record.redirect_uris,
        post_logout_redirect_uris=record.post_logout_redirect_uris,
        backchannel_logout_uri=client.backchannel_logout_uri,
        grant_types=client.grant_types,
        scopes=client.allowed_scopes,
    )
    try:
        client.full_clean(exclude=["authorization_grant_type"])
    except ValidationError as exc:
        exc.update_error_dict(errors)
    return _messages(ValidationError(errors)) if errors else []


def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    return [
        f"{field}: {message}"
        for field, messages in exc.message_dict.items()
        for message in messages
    ]


def _create(record: LegacyClient, *, dry_run: bool) -> RecordResult:
    result = RecordResult(record.position, record.client_id, CREATED, warnings=[*record.warnings])
    desired = _desired(record)
    if dry_run:
        candidate = Client(client_id=record.client_id, **desired)
        candidate.client_secret = _stored_secret(record) or "x"
        if errors := _errors(candidate, record):
            result.status, result.reasons = REJECTED, errors
        return result
    try:
        client, _ = client_create(
            name=record.name,
            client_type=record.client_type,
            redirect_uris=record.redirect_uris,
            post_logout_redirect_uris=record.post_logout_redirect_uris,
            grant_types=desired["grant_types"],
            scopes=desired["allowed_scopes"],
            skip_consent=record.skip_consent,
            token_endpoint_auth_method=record.token_endpoint_auth_method,
            client_id=record.client_id,
        )
    except ValidationError as exc:
        result.status, result.reasons = REJECTED, _messages(exc)
        return result
    secret = _stored_secret(record)
    if secret is not None:
        # client_create generated a random secret; the relying party keeps its own.
        client.client_secret = secret
        client.hash_client_secret = True
        client.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    return result


def _update(client: Client, record: LegacyClient, *, dry_run: bool) -> RecordResult:
    result = RecordResult(record.position, record.client_id, UNCHANGED, warnings=[*record.warnings])
    # The secret is compared first, against the client as it is stored.
    secret_current = _secret_current(client, record)
    desired = _desired(record)
    changed = [name for name, value in desired.items() if getattr(client, name) != value]
    for name in changed:
        setattr(client, name, desired[name])
    if not secret_current:
        changed.append("client_secret")
        # Now public: the column keeps a hash of a discarded random value (fails closed).
        client.client_secret = _stored_secret(record) or _secret_hash(_secret_new())
        client.hash_client_secret = True
    if not changed:
        return result
    if errors := _errors(client, record):
        result.status, result.reasons = REJECTED, errors
        return result
    result.status, result.changed = UPDATED, sorted(changed)
    if not dry_run:
        client_update(client=client, changed=changed)
        event_record(
            type="client.imported",
            outcome=Outcome.SUCCESS,
            data={"client_id": client.client_id, "action": UPDATED, "fields": sorted(changed)},
        )
    return result


def clients_import(
    *,
    parsed: ParsedFile,
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Create or update every good record of ``parsed`` in one transaction.
    ``on_progress(done, total)`` is called after each record."""
    results = [
        RecordResult(r.position, r.client_id, REJECTED, reasons=list(r.reasons))
        for r in parsed.rejected
    ]
    with transaction.atomic():
        existing = {
            c.client_id: c
            for c in Client.objects.select_for_update().filter(
                client_id__in=[r.client_id for r in parsed.records]
            )
        }
        for record in parsed.records:
            # A savepoint per record: one that fails at the database leaves the others.
            with transaction.atomic():
                client = existing.get(record.client_id)
                if client is None:
                    result = _create(record, dry_run=dry_run)
                    if result.status == CREATED and not dry_run:
                        event_record(
                            type="client.imported",
                            outcome=Outcome.SUCCESS,
                            data={"client_id": record.client_id, "action": CREATED},
                        )
                else:
                    result = _update(client, record, dry_run=dry_run)
            results.append(result)
            if on_progress is not None:
                on_progress(len(results) - len(parsed.rejected), len(parsed.records))
        if dry_run:
            transaction.set_rollback(True)
    results.sort(key=lambda r: r.position.index)
    return ImportResult(dry_run=dry_run, records=results)
