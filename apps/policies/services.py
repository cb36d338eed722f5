"""Policy writes. Every change to the store bumps the snapshot version once the
transaction commits, so each process rebuilds its cached snapshot on its next decision.

``policy_store_sync`` brings a desired state (a ``StorePlan`` keyed by source XIDs, as
the SiteMinder importer builds it) into the store: create what is new, update what
changed, leave the rest alone, and report — or with ``prune`` delete — imported objects
the plan no longer has. Objects created in Keyway (no source XID) are never touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import models, transaction
from django.http import HttpRequest

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.metrics import policy_decision_count
from apps.policies.models import (
    Application,
    GroupNesting,
    Policy,
    PolicyRule,
    PolicySubject,
    Realm,
    Response,
    ResponseEntry,
    Rule,
)
from apps.policies.selectors import VERSION_KEY

# Kinds in dependency order, with their model and which fields are links (to other kinds).
KINDS: dict[str, tuple[type[models.Model], dict[str, str]]] = {
    "applications": (Application, {}),
    "realms": (Realm, {"application": "applications", "parent": "realms"}),
    "rules": (Rule, {"realm": "realms"}),
    "responses": (Response, {}),
    "response_entries": (ResponseEntry, {"response": "responses"}),
    "policies": (Policy, {}),
    "policy_subjects": (PolicySubject, {"policy": "policies"}),
    "policy_rules": (PolicyRule, {"policy": "policies", "rule": "rules", "response": "responses"}),
}
# Fields a plan sets only on creation: afterwards they belong to Keyway's administrators
# (an agent's host names, which SiteMinder does not always know).
CREATE_ONLY: dict[str, set[str]] = {"applications": {"hosts"}}
BATCH = 2000
NAME_MAX = 255


def policies_version_bump() -> None:
    """New version now (so this process and its tests see the change) and again at commit
    (so a process that rebuilt from the not-yet-committed state rebuilds once more)."""

    def bump() -> None:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


@dataclass
class StorePlan:
    """Desired objects per kind: ``{kind: {xid: {field: value}}}``; link fields hold XIDs."""

    rows: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )

    def add(self, table: str, xid: str, /, **fields: Any) -> None:
        if isinstance(fields.get("name"), str) and len(fields["name"]) > NAME_MAX:
            fields["name"] = fields["name"][: NAME_MAX - 1] + "…"  # names are labels only
        self.rows[table][xid] = fields


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    xid: str
    name: str
    action: str  # "create" | "update" | "gone" | "remove"
    fields: dict[str, list[Any]] = field(default_factory=dict)  # field: [old, new]


@dataclass
class SyncResult:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.action != "gone" for c in self.changes)


def _existing(
    model: type[models.Model], kind: str, links: dict[str, str], xid_of: dict
) -> dict[str, dict]:
    """Imported rows as ``{xid: fields}``, link fields translated to XIDs."""
    raw = list(model.objects.exclude(source_xid=None).values())
    own = {row["id"]: row["source_xid"] for row in raw}
    rows: dict[str, dict] = {}
    for row in raw:
        fields = {k: v for k, v in row.items() if k not in ("id", "source_xid")}
        for link, target in links.items():
            fields[link] = (own if target == kind else xid_of[target]).get(fields.pop(f"{link}_id"))
        rows[row["source_xid"]] = {"id": row["id"], **fields}
    return rows


def policy_store_sync(*, plan: StorePlan, prune: bool, dry_run: bool) -> SyncResult:
    """Apply ``plan`` in one transaction (nothing at all with ``dry_run``)."""
    result = SyncResult()
    with transaction.atomic():
        _sync(plan, prune=prune, dry_run=dry_run, result=result)
        if dry_run:
            transaction.set_rollback(True)
        elif result.changed:
            policies_version_bump()
    return result


def _sync(plan: StorePlan, *, prune: bool, dry_run: bool, result: SyncResult) -> None:
    xid_of: dict[str, dict[int, str]] = {}  # kind: {pk: xid}
    pk_of: dict[str, dict[str, int]] = {}  # kind: {xid: pk}
    gone: list[tuple[str, list[int]]] = []
    for kind, (model, links) in KINDS.items():
        existing = _existing(model, kind, links, xid_of)
        desired = plan.rows[kind]
        counts = dict.fromkeys(("create", "update", "unchanged", "gone"), 0)
        creates, updates = [], []
        for xid, fields in desired.items():
            old = existing.get(xid)
            if old is None:
                creates.append((xid, fields))
                result.changes.append(Change(kind, xid, str(fields.get("name", "")), "create"))
                continue
            owned = {k: v for k, v in fields.items() if k not in CREATE_ONLY.get(kind, ())}
            diff = {k: [old.get(k), v] for k, v in owned.items() if old.get(k) != v}
            if diff:
                updates.append((old["id"], owned))
                result.changes.append(Change(kind, xid, str(fields.get("name")), "update", diff))
            counts["update" if diff else "unchanged"] += 1
        counts["create"] = len(creates)
        stale = [(xid, row) for xid, row in existing.items() if xid not in desired]
        for xid, row in stale:
            action = "remove" if prune else "gone"
            result.changes.append(Change(kind, xid, str(row.get("name", "")), action))
        counts["gone"] = len(stale)
        result.counts[kind] = counts
        pk_of[kind] = {xid: row["id"] for xid, row in existing.items()}
        if not dry_run:
            _write(model, kind, links, creates, updates, pk_of)
        xid_of[kind] = {pk: xid for xid, pk in pk_of[kind].items()}
        if prune and stale:
            gone.append((kind, [row["id"] for _, row in stale]))
    if not dry_run:
        for kind, pks in reversed(gone):  # dependants first
            model = KINDS[kind][0]
            for start in range(0, len(pks), BATCH):
                model.objects.filter(pk__in=pks[start : start + BATCH]).delete()


def _columns(fields: dict, links: dict[str, str], pk_of: dict[str, dict[str, int]]) -> dict:
    out = {}
    for key, value in fields.items():
        if key in links:
            out[f"{key}_id"] = pk_of[links[key]].get(value) if value else None
        else:
            out[key] = value
    return out


def _write(
    model: type[models.Model],
    kind: str,
    links: dict[str, str],
    creates: list[tuple[str, dict]],
    updates: list[tuple[int, dict]],
    pk_of: dict[str, dict[str, int]],
) -> None:
    self_links = [k for k, target in links.items() if target == kind]
    if creates:
        objs = []
        for xid, fields in creates:
            row = {k: v for k, v in fields.items() if k not in self_links}
            objs.append(model(source_xid=xid, **_columns(row, links, pk_of)))
        model.objects.bulk_create(objs, batch_size=BATCH)
        if any(o.pk is None for o in objs):  # backends that return no keys
            created = model.objects.filter(source_xid__in=[x for x, _ in creates])
            pk_of[kind].update(created.values_list("source_xid", "id"))
        else:
            pk_of[kind].update((o.source_xid, o.pk) for o in objs)
    # New rows pointing at rows of their own kind (nested realms): set just that link.
    linked = [(pk_of[kind][x], f) for x, f in creates if any(f.get(k) for k in self_links)]
    if linked:
        objs = [model(pk=pk, **_columns(_only(f, self_links), links, pk_of)) for pk, f in linked]
        model.objects.bulk_update(objs, [f"{k}_id" for k in self_links], batch_size=BATCH)
    if updates:
        objs = [model(pk=pk, **_columns(fields, links, pk_of)) for pk, fields in updates]
        columns = sorted({c for _, fields in updates for c in _columns(fields, links, pk_of)})
        model.objects.bulk_update(objs, columns, batch_size=BATCH)


def _only(fields: dict, keys: list[str]) -> dict:
    return {k: fields.get(k) for k in keys}


ALLOWED_COUNTER_KEY = "policies:allowed"


def access_decision_record(
    *,
    request: HttpRequest | None,
    user: Any,
    allowed: bool,
    target: dict[str, Any],
    reasons: Iterable[str],
) -> None:
    """Denials are audit events; allows are far too frequent for that and are counted
    (``ALLOWED_COUNTER_KEY`` in the shared cache). Both are Prometheus counters."""
    policy_decision_count(allowed=allowed)
    if allowed:
        if not cache.add(ALLOWED_COUNTER_KEY, 1, timeout=None):
            try:
                cache.incr(ALLOWED_COUNTER_KEY)
            except ValueError:  # evicted between add and incr
                cache.add(ALLOWED_COUNTER_KEY, 1, timeout=None)
        return
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    event_record(
        type="policies.access_denied",
        outcome=Outcome.DENIED,
        request=request,
        actor_subject=user.subject if signed_in else None,
        actor_email=user.email if signed_in else "",
        data={**target, "reasons": list(reasons)},
    )


def group_nesting_add(*, group: str, member: str) -> None:
    """``member`` is nested in ``group``: Recursive policy entries for ``group`` cover
    the members of ``member`` too."""
    GroupNesting.objects.get_or_create(group=group, member=member)
    policies_version_bump()
