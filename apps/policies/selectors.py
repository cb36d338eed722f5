"""Policy reads: the policy store as an engine ``Snapshot`` (cached per process) and the
decisions other apps ask for.

The snapshot is rebuilt only when the store changed: writers bump a version token in the
shared cache (``policies_version_bump``), every reader compares it with the one its
snapshot was built from — one cache read per decision, no database query.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache

from apps.accounts.authn import ACR_PASSWORD
from apps.accounts.selectors import user_group_names
from apps.policies import engine
from apps.policies.engine import Decision
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
from apps.sso_sessions.policy import acr_satisfies, exceeds_client_limits

VERSION_KEY = "policies:version"

# LDAP-style attribute names (lower-cased) a rule condition or a response may read.
USER_ATTRIBUTES: dict[str, str] = {
    "mail": "email",
    "email": "email",
    "givenname": "given_name",
    "sn": "family_name",
    "surname": "family_name",
    "displayname": "display_name",
    "cn": "display_name",
    "uid": "external_id",
    "subject": "subject",
    "sub": "subject",
}

_lock = threading.Lock()
_snapshot: tuple[str, engine.Snapshot] | None = None


def policies_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        # A cold or flushed cache: start a new version so every process reloads once.
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY) or "cold"
    return str(version)


def _effective_filters(realms: list[Realm]) -> dict[int, str]:
    by_id = {r.pk: r for r in realms}
    out: dict[int, str] = {}

    def resolve(realm: Realm, depth: int = 0) -> str:
        if realm.pk in out:
            return out[realm.pk]
        parent = by_id.get(realm.parent_id) if realm.parent_id else None
        prefix = resolve(parent, depth + 1) if parent is not None and depth < 32 else ""
        out[realm.pk] = value = prefix + realm.resource_filter
        return value

    for realm in realms:
        resolve(realm)
    return out


def policy_snapshot_build() -> engine.Snapshot:
    """Read the whole store into the engine's plain data."""
    applications = list(Application.objects.all())
    realms = list(Realm.objects.all())
    filters = _effective_filters(realms)
    rules = list(Rule.objects.all())
    subjects: dict[int, list[engine.Subject]] = {}
    for s in PolicySubject.objects.all():
        subjects.setdefault(s.policy_id, []).append(
            engine.Subject(
                kind=s.kind,
                value=s.value,
                attribute=s.attribute.lower(),
                exclude=s.exclude,
                recursive=s.recursive,
                resolved=s.resolved,
            )
        )
    bindings: dict[int, list[engine.Binding]] = {}
    for b in PolicyRule.objects.all():
        bindings.setdefault(b.policy_id, []).append(
            engine.Binding(
                rule=str(b.rule_id), response=str(b.response_id) if b.response_id else None
            )
        )
    entries: dict[int, list[engine.ResponseEntry]] = {}
    for e in ResponseEntry.objects.all():
        entries.setdefault(e.response_id, []).append(
            engine.ResponseEntry(
                kind=e.kind, name=e.name, value=e.value, user_attribute=e.user_attribute.lower()
            )
        )
    parents: dict[str, set[str]] = {}
    for n in GroupNesting.objects.all():
        parents.setdefault(n.member, set()).add(n.group)
    return engine.Snapshot(
        applications=[
            engine.Application(
                key=str(a.pk),
                name=a.name,
                kind=a.kind,
                party_id=a.party_id,
                hosts=tuple(h.lower() for h in a.hosts or ()),
                base_path=a.base_path,
            )
            for a in applications
        ],
        realms=[
            engine.Realm(
                key=str(r.pk),
                name=r.name,
                application=str(r.application_id),
                filter=filters[r.pk],
                protect_all=r.protect_all,
                required_acr=r.required_acr or None,
                idle_timeout=r.idle_timeout,
                max_timeout=r.max_timeout,
            )
            for r in realms
        ],
        rules=[
            engine.Rule(
                key=str(r.pk),
                name=r.name,
                realm=str(r.realm_id),
                resource=r.resource,
                match=r.match,
                methods=frozenset(m.upper() for m in r.methods or ()),
                allow=r.allow,
                enabled=r.enabled,
                unsupported=r.unsupported,
            )
            for r in rules
        ],
        policies=[
            engine.Policy(
                key=str(p.pk),
                name=p.name,
                subjects=tuple(subjects.get(p.pk, ())),
                bindings=tuple(bindings.get(p.pk, ())),
                enabled=p.enabled,
                allow=p.allow,
                match_all=p.match_all,
                ip_networks=tuple(p.ip_networks or ()),
            )
            for p in Policy.objects.all()
        ],
        responses=[
            engine.Response(key=str(r.pk), name=r.name, entries=tuple(entries.get(r.pk, ())))
            for r in Response.objects.all()
        ],
        group_parents=parents,
    )


def policy_snapshot() -> engine.Snapshot:
    global _snapshot
    version = policies_version()
    current = _snapshot
    if current is not None and current[0] == version:
        return current[1]
    with _lock:
        if _snapshot is None or _snapshot[0] != version:
            _snapshot = (version, policy_snapshot_build())
        return _snapshot[1]


def person_of(*, user: Any) -> engine.Person | None:
    """The engine's view of a signed-in user (None for anonymous or inactive)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    attributes = {}
    for name, field in USER_ATTRIBUTES.items():
        value = getattr(user, field, "")
        attributes[name] = "" if value is None else str(value)
    return engine.Person(
        email=user.email,
        groups=frozenset(user_group_names(user=user)),
        attributes=attributes,
    )


def application_access_decide(
    *, user: Any, protocol: str, party_id: str, method: str = "GET", ip: str | None = None
) -> Decision:
    """protocol is "oidc" (party_id = client_id) or "saml" (party_id = SP entity ID).

    An application no policy governs is allowed. The caller compares ``required_acr``
    with the session's acr (``apps.sso_sessions.policy.acr_satisfies``).
    """
    snapshot = policy_snapshot()
    # The person's groups cost a query: read them only for an application a policy governs
    # (every authorize, token and SAML sign-on asks, most for unmanaged applications).
    governed = snapshot.governed(snapshot.by_party.get((protocol, party_id)))
    return engine.decide_application(
        snapshot,
        person=person_of(user=user) if governed else None,
        protocol=protocol,
        party_id=party_id,
        method=method,
        context=engine.Context(ip=ip),
    )


def resource_access_decide(
    *, user: Any, host: str, path: str, method: str = "GET", ip: str | None = None
) -> Decision:
    """The decision for a web resource (forward-auth, ``policy_check``)."""
    return engine.decide_resource(
        policy_snapshot(),
        person=person_of(user=user),
        host=host,
        path=path,
        method=method,
        context=engine.Context(ip=ip),
    )


@dataclass(frozen=True)
class AccessCheck:
    """A decision and what the person must do about it: ``status`` 200 (go on), 401
    (sign in, or sign in again) or 403 (denied)."""

    status: int
    decision: Decision
    reason: str = ""


def access_check(
    *,
    decision: Decision,
    signed_in: bool,
    session_acr: str | None,
    auth_time: int | None,
    last_activity: float | None,
    now: float,
) -> AccessCheck:
    """Apply a resource decision to the caller's session: sign-in, the realm's acr
    (step-up) and the realm's session limits (IdleTimeout, MaxTimeout)."""
    if decision.allowed:
        if not decision.protected:
            return AccessCheck(200, decision)
    elif decision.authentication_required or not signed_in:
        return AccessCheck(401, decision, "sign-in required")
    else:
        return AccessCheck(403, decision, "; ".join(decision.reasons))
    required = decision.required_acr or ""
    if required and not acr_satisfies(session_acr=session_acr or "", required_acr=required):
        if not acr_satisfies(session_acr=ACR_PASSWORD, required_acr=required):
            # Keyway's own sign-in cannot reach it: signing in again would loop.
            return AccessCheck(403, decision, f"unmet authentication requirements: {required}")
        return AccessCheck(401, decision, f"a stronger sign-in is required: {required}")
    if auth_time is not None and exceeds_client_limits(
        now=datetime.fromtimestamp(now, tz=UTC),
        auth_time=datetime.fromtimestamp(auth_time, tz=UTC),
        last_activity_at=datetime.fromtimestamp(last_activity or auth_time, tz=UTC),
        max_age=decision.max_timeout,
        idle_timeout=decision.idle_timeout,
    ):
        return AccessCheck(401, decision, "the session is older or idler than the realm allows")
    return AccessCheck(200, decision)


def application_host_known(*, host: str) -> bool:
    """Is ``host`` served by an application in the policy store (a safe place to send a
    browser back to after sign-in)?"""
    return host.lower() in policy_snapshot().apps_by_host


def applications_list():
    return Application.objects.order_by("id")


def realms_list(*, application_id: int | None = None):
    realms = Realm.objects.select_related("application", "parent").order_by("id")
    if application_id is not None:
        realms = realms.filter(application_id=application_id)
    return realms


def rules_list(*, realm_id: int | None = None):
    rules = Rule.objects.select_related("realm").order_by("id")
    if realm_id is not None:
        rules = rules.filter(realm_id=realm_id)
    return rules


def policies_list():
    return Policy.objects.prefetch_related("subjects", "bindings").order_by("id")
