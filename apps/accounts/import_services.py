"""Writing imported legacy users (parsing and validation: ``apps.accounts.importers.users``).

Rules, chosen so that re-running an import is safe:

* Users are matched by email, case-insensitively (Keyway's unique rule). A match is updated,
  anything else is created with a new ``subject``; ``subject``, ``date_joined`` and the
  email as stored are never changed by an import.
* A field absent from a record is left alone on update (new users get the model default).
* Hashes are stored exactly as the parser encoded them, never re-hashed. A record without a
  hash gives a *new* user an unusable password ("must set a password": the password-reset
  path). An existing user's password is replaced only while it is still a legacy hash or
  unusable: once the person has signed in to Keyway (and the hash became Argon2id) or set a
  password here, Keyway's is newer than the export's and is kept.
* Groups are created by name when missing and memberships are only added, never removed, so
  assignments made in Keyway survive a re-run.
* A record whose data already matches the database is counted ``unchanged`` and not written.
* Each batch (``BATCH_SIZE`` records) is one transaction, with a fixed number of queries per
  batch whatever its size (no per-row queries). After a batch commits, ``on_batch`` gets the
  last line it covered: the command writes that as a checkpoint so an interrupted import can
  go on from the next line (``--resume``/``--start-line``); since re-running is idempotent,
  starting over is also correct, only slower.
* ``dry_run`` runs every read and every decision and writes nothing, not even groups.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.db import IntegrityError, reset_queries, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from apps.accounts.hashers import LegacyBcryptPasswordHasher, LegacyPbkdf2PasswordHasher
from apps.accounts.importers.users import Rejected, UserRecord
from apps.accounts.models import User

BATCH_SIZE = 5_000
_LEGACY_PREFIXES = (
    f"{LegacyBcryptPasswordHasher.algorithm}$",
    f"{LegacyPbkdf2PasswordHasher.algorithm}$",
)
_FIELDS = ("given_name", "family_name", "display_name", "is_active", "external_id")


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    last_line: int = 0  # the last line covered by a committed batch

    def as_dict(self) -> dict:
        return asdict(self)


def _unusable_password() -> str:
    # What set_unusable_password() stores ("!" + 40 random characters), without the cost of
    # get_random_string() a million times over.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _password_replaces(current: str, incoming: str | None) -> bool:
    if incoming is None or current == incoming:
        return False
    return current.startswith(_LEGACY_PREFIXES) or current.startswith(UNUSABLE_PASSWORD_PREFIX)


@dataclass
class _Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _batch_apply(
    records: list[UserRecord], *, dry_run: bool, reject: Callable[[Rejected], None]
) -> _Outcome:
    outcome = _Outcome()
    keys = [record.key for record in records]
    existing = {
        user.email_lower: user
        for user in User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=keys)
        .only("id", "email", "password", *_FIELDS)
    }
    external_ids = [record.external_id for record in records if record.external_id]
    owners = dict(
        User.objects.filter(external_id__in=external_ids).values_list("external_id", "id")
    )
    group_names = sorted({name for record in records for name in record.groups or ()})
    groups = dict(Group.objects.filter(name__in=group_names).values_list("name", "id"))
    through = User.groups.through
    memberships: dict[int, set[int]] = {}
    for user_id, group_id in through.objects.filter(
        user_id__in=[user.id for user in existing.values()]
    ).values_list("user_id", "group_id"):
        memberships.setdefault(user_id, set()).add(group_id)

    now = timezone.now()
    to_create: list[User] = []
    to_update: list[User] = []
    new_links: list[tuple[User, str]] = []
    update_fields: set[str] = set()
    for record in records:
        user = existing.get(record.key)
        owner = owners.get(record.external_id) if record.external_id else None
        if owner is not None and (user is None or owner != user.id):
            reject(Rejected(record.line, "external_id belongs to another user", record.email))
            continue
        if user is None:
            user = User(
                email=record.email,
                password=record.password or _unusable_password(),
                given_name=record.given_name or "",
                family_name=record.family_name or "",
                display_name=record.display_name or "",
                is_active=True if record.is_active is None else record.is_active,
                external_id=record.external_id,
                date_joined=now,
            )
            to_create.append(user)
            new_links.extend((user, name) for name in record.groups or ())
            outcome.created += 1
            continue
        changed = False
        for field in _FIELDS:
            value = getattr(record, field)
            if value is not None and getattr(user, field) != value:
                setattr(user, field, value)
                update_fields.add(field)
                changed = True
        if _password_replaces(user.password, record.password):
            user.password = record.password
            update_fields.add("password")
            changed = True
        have = memberships.get(user.id, set())
        for name in record.groups or ():
            if groups.get(name) not in have:
                new_links.append((user, name))
                changed = True
        if changed:
            user.updated_at = now
            to_update.append(user)
            outcome.updated += 1
        else:
            outcome.unchanged += 1

    if dry_run:
        return outcome

    missing = [Group(name=name) for name in group_names if name not in groups]
    if missing:
        Group.objects.bulk_create(missing, ignore_conflicts=True)
        groups = dict(Group.objects.filter(name__in=group_names).values_list("name", "id"))
    if to_create:
        User.objects.bulk_create(to_create, batch_size=1000)
        if any(user.pk is None for user in to_create):  # a backend that returns no ids
            ids = dict(
                User.objects.filter(email__in=[user.email for user in to_create]).values_list(
                    "email", "id"
                )
            )
            for user in to_create:
                user.pk = ids[user.email]
    if to_update:
        User.objects.bulk_update(to_update, [*sorted(update_fields), "updated_at"], batch_size=1000)
    if new_links:
        through.objects.bulk_create(
            [through(user_id=user.pk, group_id=groups[name]) for user, name in new_links],
            ignore_conflicts=True,
            batch_size=1000,
        )
    return outcome


def users_import(
    items: Iterable[UserRecord | Rejected],
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    on_rejected: Callable[[Rejected], None] | None = None,
    on_batch: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Import parsed records in batches; see the module docstring for the rules."""
    summary = ImportSummary()

    def reject(item: Rejected) -> None:
        summary.rejected += 1
        if on_rejected is not None:
            on_rejected(item)

    batch: list[UserRecord] = []
    last_line = 0

    def flush() -> None:
        rejected: list[Rejected] = []
        for attempt in range(2):
            rejected.clear()
            try:
                with transaction.atomic():
                    outcome = _batch_apply(batch, dry_run=dry_run, reject=rejected.append)
                break
            except IntegrityError:
                # A concurrent sign-up or admin edit took an email or external_id between
                # our read and write: read again once, then give up loudly.
                if attempt:
                    raise
        for item in rejected:
            reject(item)
        summary.created += outcome.created
        summary.updated += outcome.updated
        summary.unchanged += outcome.unchanged
        summary.last_line = last_line
        batch.clear()
        reset_queries()  # with DEBUG on, Django keeps the last 9,000 queries' SQL: megabytes
        if on_batch is not None:
            on_batch(summary)

    for item in items:
        last_line = item.line
        if isinstance(item, Rejected):
            reject(item)
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    elif last_line > summary.last_line:
        summary.last_line = last_line
        if on_batch is not None:
            on_batch(summary)
    return summary
