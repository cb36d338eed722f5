"""The access decision engine: plain data in, a ``Decision`` out (no ORM, no views).

It answers the question a CA SiteMinder Web Agent asked its Policy Server — *is this
resource protected, who is this, may they perform this action on it* — with the
SiteMinder semantics the imported rules were written for (CA SiteMinder Policy Server
Configuration Guide: realms, rules, policies). Precedence, in the order applied:

1. **Application.** A request names either a web resource (host + path) or an
   application (an OIDC client_id or a SAML SP entity ID). Only realms of the
   application(s) serving that host (SiteMinder: the realm's Agent or Agent Group) are
   considered. An OIDC client / SAML SP that no application governs is *allowed*
   ("no policy governs it"), so unmanaged relying parties are unaffected; an
   application decision is evaluated at the application's base path (else its shortest
   realm filter: its entry point).
2. **Realm.** A resource is protected only if some realm's ResourceFilter is a prefix
   of the path. Nested realms (ParentRealmLink) append their filter to their parent's.
   The most specific realm — the longest effective filter — wins alone; rules of other
   realms are not consulted. No realm: unprotected, allowed without a sign-in.
3. **Rules.** Within the realm, a rule matches when its Resource matches the rest of the
   path after the realm filter (wildcard ``*``/``?`` over the whole remainder, a prefix,
   or a regular expression when RegularExpression is set) and its Actions include the
   method (no actions = every method). Disabled rules (IsEnabled=false) never match.
   SiteMinder joins realm filter and rule resource as strings; a filter ending in ``/``
   and a resource starting with one are joined with a single slash.
4. **ProtectAll.** With ProtectAll=false a resource no enabled rule matches is
   unprotected (allowed without a sign-in); with ProtectAll=true it is protected and,
   having no matching rule, denied to everyone (SiteMinder's default deny).
5. **Authentication.** A protected resource needs a signed-in person (otherwise the
   decision is deny with ``authentication_required``); the realm's authentication
   scheme gives ``required_acr`` and its IdleTimeout / MaxTimeout the session limits —
   the caller compares them with the session.
6. **Policies.** A matching rule fires for the person when an *enabled* policy binds it
   and covers the person. A policy covers a person through its user policies:
   an Exclude entry that matches takes the person out; the remaining (include) entries
   must all match when the policy has the AND flag, else any one (no include entries =
   nobody). Recursive group entries follow nested groups; without it only direct
   membership counts. A policy with IP restrictions covers the person only from those
   addresses.
7. **Deny wins.** A rule with AllowAccess=false (or bound by a policy with
   AllowAccess=false) that fires denies, whatever else allows. Otherwise an allow rule
   that fires allows, and the responses bound to the fired rules give the obligations
   (headers, claims). Nothing fires: deny.

**Fail closed.** Whatever the import could not carry faithfully is marked
``unsupported``: an unsupported allow rule or unresolved include entry never grants,
an unsupported deny rule matches every request in its realm, an unresolved entry in a
deny policy counts as covering the person, an unresolved exclude entry in an allow
policy takes everyone out. The import report lists every such object.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

ALLOW = "allow"
DENY = "deny"

MATCH_PREFIX = "prefix"
MATCH_WILDCARD = "wildcard"
MATCH_REGEX = "regex"


@dataclass(frozen=True)
class Decision:
    decision: str  # "allow" | "deny"
    reasons: tuple[str, ...]
    headers: dict[str, str] = field(default_factory=dict)
    claims: dict[str, str] = field(default_factory=dict)
    required_acr: str | None = None
    # True when the resource needs a signed-in person (a protected realm resource).
    protected: bool = False
    # Deny because nobody is signed in: the caller sends the person to sign in.
    authentication_required: bool = False
    idle_timeout: int | None = None  # seconds, the realm's session limits
    max_timeout: int | None = None
    realm: str | None = None  # key of the realm that decided
    application: str | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW

    def as_dict(self) -> dict:
        return {
            "decision": self.decision,
            "reasons": list(self.reasons),
            "headers": dict(self.headers),
            "claims": dict(self.claims),
            "required_acr": self.required_acr,
            "protected": self.protected,
            "authentication_required": self.authentication_required,
            "idle_timeout": self.idle_timeout,
            "max_timeout": self.max_timeout,
            "realm": self.realm,
            "application": self.application,
        }


# --- the policy store, as plain data ---------------------------------------------------


@dataclass(frozen=True)
class Application:
    key: str
    name: str
    kind: str  # "web" | "oidc" | "saml"
    party_id: str = ""  # client_id or SP entity ID
    hosts: tuple[str, ...] = ()
    base_path: str = ""


@dataclass(frozen=True)
class Realm:
    key: str
    name: str
    application: str  # Application.key
    filter: str  # the effective filter: parents' filters + its own
    protect_all: bool = True
    required_acr: str | None = None
    idle_timeout: int | None = None
    max_timeout: int | None = None


@dataclass(frozen=True)
class Rule:
    key: str
    name: str
    realm: str
    resource: str = "*"
    match: str = MATCH_WILDCARD
    methods: frozenset[str] = frozenset()  # empty: every method
    allow: bool = True
    enabled: bool = True
    unsupported: str = ""  # why the engine cannot honour it ("" when it can)

    @cached_property
    def _regex(self) -> re.Pattern[str] | None:
        if self.unsupported:
            return None
        if self.match == MATCH_REGEX:
            return regex_compile(self.resource)
        if self.match == MATCH_WILDCARD:
            return re.compile(fnmatch.translate(self.resource or "*"), re.DOTALL)
        return None

    def matches(self, remainder: str, method: str) -> bool:
        if not self.enabled or (self.methods and method not in self.methods):
            return False
        if self.unsupported:
            return not self.allow  # fail closed: an unhonoured deny matches everything
        if self.match == MATCH_PREFIX:
            return remainder.startswith(self.resource)
        pattern = self._regex
        if self.match == MATCH_REGEX:
            return pattern is not None and pattern.search(remainder) is not None
        return pattern is not None and pattern.match(remainder) is not None


def regex_compile(pattern: str) -> re.Pattern[str] | None:
    """SiteMinder regular-expression rules (Perl-compatible); None if Python's ``re``
    cannot honour it (the importer reports it and the rule fails closed)."""
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


SUBJECT_USER = "user"
SUBJECT_GROUP = "group"
SUBJECT_ATTRIBUTE = "attribute"
SUBJECT_ALL = "all"


@dataclass(frozen=True)
class Subject:
    """One user policy entry: a user (email), a local group, an attribute condition
    (``attribute`` = ``value``; ``value`` "*" = present) or everyone."""

    kind: str
    value: str = ""
    attribute: str = ""
    exclude: bool = False
    recursive: bool = False
    resolved: bool = True  # False: an LDAP DN with no local mapping (never matches)


@dataclass(frozen=True)
class Binding:
    rule: str
    response: str | None = None


@dataclass(frozen=True)
class Policy:
    key: str
    name: str
    subjects: tuple[Subject, ...]
    bindings: tuple[Binding, ...]
    enabled: bool = True
    allow: bool = True
    match_all: bool = False  # the AND flag
    ip_networks: tuple[str, ...] = ()  # empty: any address

    @cached_property
    def _networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(n, strict=False) for n in self.ip_networks)

    def ip_allows(self, ip: str | None) -> bool:
        if not self.ip_networks:
            return True
        try:
            address = ipaddress.ip_address(ip or "")
        except ValueError:
            return False
        return any(address in network for network in self._networks)


@dataclass(frozen=True)
class ResponseEntry:
    kind: str  # "header" | "claim"
    name: str
    value: str = ""  # static value
    user_attribute: str = ""  # or a user attribute (wins when set)


@dataclass(frozen=True)
class Response:
    key: str
    name: str
    entries: tuple[ResponseEntry, ...]


@dataclass(frozen=True)
class Person:
    """Who asks: the attributes the rules and responses may read."""

    email: str
    groups: frozenset[str] = frozenset()
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    ip: str | None = None


class Snapshot:
    """The whole policy store, indexed for decisions (built once, read many times)."""

    def __init__(
        self,
        *,
        applications: Iterable[Application] = (),
        realms: Iterable[Realm] = (),
        rules: Iterable[Rule] = (),
        policies: Iterable[Policy] = (),
        responses: Iterable[Response] = (),
        group_parents: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.applications = {a.key: a for a in applications}
        self.responses = {r.key: r for r in responses}
        self.group_parents = {k: frozenset(v) for k, v in (group_parents or {}).items()}
        self.by_party: dict[tuple[str, str], Application] = {}
        self.apps_by_host: dict[str, list[str]] = {}
        for app in self.applications.values():
            if app.party_id:
                self.by_party[(app.kind, app.party_id)] = app
            for host in app.hosts:
                self.apps_by_host.setdefault(host.lower(), []).append(app.key)
        self.realms_by_app: dict[str, list[Realm]] = {}
        for realm in realms:
            self.realms_by_app.setdefault(realm.application, []).append(realm)
        for found in self.realms_by_app.values():
            found.sort(key=lambda r: len(r.filter), reverse=True)  # most specific first
        self.rules_by_realm: dict[str, list[Rule]] = {}
        for rule in rules:
            self.rules_by_realm.setdefault(rule.realm, []).append(rule)
        self.policies_by_rule: dict[str, list[tuple[Policy, Binding]]] = {}
        for policy in policies:
            for binding in policy.bindings:
                self.policies_by_rule.setdefault(binding.rule, []).append((policy, binding))

    def governed(self, application: Application | None) -> bool:
        return application is not None and bool(self.realms_by_app.get(application.key))


def _normalise_host(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:443
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _realm_for(snapshot: Snapshot, app_keys: Iterable[str], path: str) -> Realm | None:
    best: Realm | None = None
    for key in app_keys:
        for realm in snapshot.realms_by_app.get(key, ()):
            if path.startswith(realm.filter) and (
                best is None or len(realm.filter) > len(best.filter)
            ):
                best = realm
                break  # sorted longest first: the first match is this app's best
    return best


def _expand_groups(snapshot: Snapshot, groups: frozenset[str]) -> frozenset[str]:
    """The person's groups plus every group they are in through nesting."""
    seen, todo = set(groups), list(groups)
    while todo:
        for parent in snapshot.group_parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return frozenset(seen)


def _subject_matches(subject: Subject, person: Person, nested: frozenset[str]) -> bool | None:
    """True / False, or None when the entry is unresolved (the caller fails closed)."""
    if not subject.resolved:
        return None
    if subject.kind == SUBJECT_ALL:
        return True
    if subject.kind == SUBJECT_USER:
        return person.email.lower() == subject.value.lower()
    if subject.kind == SUBJECT_GROUP:
        return subject.value in (nested if subject.recursive else person.groups)
    if subject.kind == SUBJECT_ATTRIBUTE:
        actual = person.attributes.get(subject.attribute, "")
        return bool(actual) if subject.value == "*" else actual.lower() == subject.value.lower()
    return None


def policy_covers(
    snapshot: Snapshot,
    policy: Policy,
    person: Person,
    context: Context,
    nested: frozenset[str] | None = None,
) -> bool:
    """Does the policy apply to this person (rule 6), failing closed for its effect?
    ``nested``: the person's groups with nesting followed (computed when not given)."""
    deny_policy = not policy.allow
    if not policy.ip_allows(context.ip):
        return False
    if nested is None:
        nested = _expand_groups(snapshot, person.groups)
    includes: list[bool] = []
    for subject in policy.subjects:
        hit = _subject_matches(subject, person, nested)
        if hit is None:  # unresolved: covers for a deny policy, excludes for an allow one
            hit = deny_policy if not subject.exclude else not deny_policy
        if subject.exclude:
            if hit:
                return False
        else:
            includes.append(hit)
    if not includes:
        return False
    return all(includes) if policy.match_all else any(includes)


def _obligations(
    snapshot: Snapshot, fired: Iterable[Binding], person: Person
) -> tuple[dict[str, str], dict[str, str]]:
    headers: dict[str, str] = {}
    claims: dict[str, str] = {}
    for binding in fired:
        response = snapshot.responses.get(binding.response or "")
        for entry in response.entries if response else ():
            value = (
                person.attributes.get(entry.user_attribute, "")
                if entry.user_attribute
                else entry.value
            )
            (headers if entry.kind == "header" else claims)[entry.name] = value
    return headers, claims


def decide_resource(
    snapshot: Snapshot,
    *,
    person: Person | None,
    host: str,
    path: str,
    method: str = "GET",
    context: Context | None = None,
) -> Decision:
    """The decision for a web resource (rules 2-7) on ``host`` + ``path``."""
    host = _normalise_host(host)
    app_keys = snapshot.apps_by_host.get(host, [])
    return _decide(snapshot, app_keys, person, path or "/", method, context or Context())


def decide_application(
    snapshot: Snapshot,
    *,
    person: Person | None,
    protocol: str,
    party_id: str,
    method: str = "GET",
    context: Context | None = None,
) -> Decision:
    """May this person use this OIDC client / SAML SP (rule 1, then 2-7)?"""
    application = snapshot.by_party.get((protocol, party_id))
    if not snapshot.governed(application):
        return Decision(ALLOW, (f"no policy governs {protocol} application {party_id!r}",))
    realms = snapshot.realms_by_app[application.key]
    path = application.base_path or min((r.filter for r in realms), key=len)
    return _decide(snapshot, [application.key], person, path, method, context or Context())


def _decide(
    snapshot: Snapshot,
    app_keys: list[str],
    person: Person | None,
    path: str,
    method: str,
    context: Context,
) -> Decision:
    method = method.upper()
    realm = _realm_for(snapshot, app_keys, path)
    if realm is None:
        return Decision(ALLOW, ("no realm protects this resource",))
    remainder = path[len(realm.filter) :]
    rules = snapshot.rules_by_realm.get(realm.key, ())
    slashed = "/" + remainder if realm.filter.endswith("/") else remainder
    matched = [
        r for r in rules if r.matches(slashed if r.resource.startswith("/") else remainder, method)
    ]
    where = dict(
        realm=realm.key,
        application=realm.application,
        required_acr=realm.required_acr,
        idle_timeout=realm.idle_timeout,
        max_timeout=realm.max_timeout,
    )
    if not matched and not realm.protect_all:
        return Decision(
            ALLOW,
            (f"realm {realm.name!r} leaves resources no rule matches unprotected",),
            realm=realm.key,
            application=realm.application,
        )
    if person is None:
        return Decision(
            DENY,
            (f"realm {realm.name!r} protects this resource: sign-in required",),
            protected=True,
            authentication_required=True,
            **where,
        )
    if not matched:
        return Decision(
            DENY,
            (f"realm {realm.name!r} protects everything and no enabled rule matches",),
            protected=True,
            **where,
        )
    denied: list[str] = []
    allowed: list[str] = []
    fired: list[Binding] = []
    nested = _expand_groups(snapshot, person.groups)
    for rule in matched:
        for policy, binding in snapshot.policies_by_rule.get(rule.key, ()):
            if not policy.enabled or not policy_covers(snapshot, policy, person, context, nested):
                continue
            if rule.allow and policy.allow:
                allowed.append(f"rule {rule.name!r} of policy {policy.name!r} allows")
                fired.append(binding)
            else:
                denied.append(f"rule {rule.name!r} of policy {policy.name!r} denies")
    if denied:
        return Decision(DENY, tuple(denied), protected=True, **where)
    if not allowed:
        return Decision(
            DENY, (f"no policy in realm {realm.name!r} grants access",), protected=True, **where
        )
    headers, claims = _obligations(snapshot, fired, person)
    return Decision(ALLOW, tuple(allowed), headers=headers, claims=claims, protected=True, **where)
