"""SiteMinder objects → Keyway's access model (a ``StorePlan`` for
``apps.policies.services.policy_store_sync``), and the list of everything that could not
be carried over faithfully (``Issue``s), each with its XID and name.

Class by class (CA SiteMinder Policy Server Configuration Guide semantics):

- **Agent / AgentGroup** → an application (kind "web") whose hosts are the agent names
  (a group: its member agents' names). Realms reach hosts only through them.
- **Realm** → realm: ResourceFilter (prefix), ProtectAll, ParentRealmLink (or
  containment in a realm; agent inherited from the parent), IdleTimeout / MaxTimeout
  (seconds, 0 = none), SessionType (``Persistent``, also spelled ``Peristent``), and
  the AuthScheme's Level → ``required_acr`` through ``KEYWAY["POLICY_ACR_BY_LEVEL"]``.
- **Rule** → rule: Resource (regex when RegularExpression, a prefix when it has no
  wildcard, ``*``/``?`` wildcard otherwise), Actions (HTTP methods; ``*`` = all;
  authentication/authorization *event* actions are not access rules: reported, not
  carried), AllowAccess, IsEnabled. A regex Python cannot compile fails closed.
- **RuleGroup** → its rules, wherever a policy links the group.
- **Policy** → policy: IsEnabled, AllowAccess, IPAddresses (addresses, CIDR, address/mask,
  ``first-last`` ranges; host names reported), **UserPolicy** children (FilterPath,
  FilterClass, PolicyResolution, PolicyFlags — bit 1 Exclude, 2 Recursive, 4 AND, or
  those words) and **PolicyLink** children (RuleLink/RuleGroupLink → ResponseLink/
  ResponseGroupLink).
- **Response / ResponseAttr** → response entries: ``WebAgent-HTTP-Header-Variable``
  values ``NAME=static`` or ``NAME=<%userattr="mail"%>``. Other attribute types, active
  responses (``<@lib=…@>``) and other ``<%…%>`` expressions are reported.
- **AuthScheme** → the realm's required acr (Level) and scheme name; only password
  schemes (Basic, HTML Form) are reachable by Keyway's own sign-in — others reported.
- **Domain, UserDirectory, AgentType, AgentTypeAttr** → structure only (nothing stored).

User policy subjects: group and organisation DNs go through the ``--group-map``
(DN → local group name, or ``user:EMAIL``); ``mail=…`` DNs and plain emails are users;
``(attr=value)`` queries over known user attributes are attribute conditions; ``*`` or
an "all" resolution is everyone. Anything else is unresolved: reported, and it fails
closed in the engine.
"""

from __future__ import annotations

import csv
import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from apps.policies.engine import regex_compile
from apps.policies.selectors import USER_ATTRIBUTES
from apps.policies.services import StorePlan
from apps.siteminder_import.parsers import Export, Link, SmObject

HTTP_METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT"}
EVENT_ACTIONS = re.compile(r"^On(Auth|Access)\w*$", re.IGNORECASE)
PASSWORD_SCHEMES = {"basic", "htmlform", "html form", "html forms", "forms", "basic over ssl"}
STRUCTURE_CLASSES = {"Domain", "UserDirectory", "AgentType", "AgentTypeAttr", "ResponseGroup"}
HEADER_TYPE = "webagent-http-header-variable"
USERATTR = re.compile(r'^<%\s*userattr\s*=\s*"([^"]+)"\s*%>$', re.IGNORECASE)
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
)
QUERY = re.compile(r"^\(\s*([A-Za-z][\w-]*)\s*=\s*([^()]*)\)$")
# A network no client address is in: IP restrictions that were all unreadable.
NO_ADDRESS = "255.255.255.255/32"

FLAG_EXCLUDE, FLAG_RECURSIVE, FLAG_AND = 1, 2, 4


@dataclass(frozen=True)
class Issue:
    xid: str
    cls: str
    name: str
    code: str
    message: str
    line: int = 0


@dataclass
class Mapped:
    plan: StorePlan = field(default_factory=StorePlan)
    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def dn_normalise(dn: str) -> str:
    parts = [p.strip() for p in re.split(r"(?<!\\),", dn.strip())]
    return ",".join("=".join(x.strip() for x in p.split("=", 1)).lower() for p in parts if p)


def group_map_load(path: Path) -> dict[str, str]:
    """``--group-map``: JSON ``{"DN": "group"}`` or CSV rows ``DN,group`` (DNs contain
    commas: the last field is the group, everything before it the DN)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the group map must be a JSON object of DN → group name")
        return {dn_normalise(str(k)): str(v).strip() for k, v in data.items()}
    mapping: dict[str, str] = {}
    for row in csv.reader(text.splitlines()):
        if len(row) < 2 or row[0].startswith("#") or row[0].strip().lower() == "dn":
            continue
        mapping[dn_normalise(",".join(row[:-1]))] = row[-1].strip()
    return mapping


def binding_key(link: str, rule: str, response: str | None) -> str:
    """A rule → response binding has no XID of its own: its link's, rule's and
    response's, hashed when that would not fit a source key."""
    key = f"{link}#{rule}#{response or ''}"
    if len(key) <= 255:
        return key
    return f"{link[:180]}#{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def acr_for_level(level: int | None, levels: Iterable[Iterable]) -> str:
    chosen = ""
    for threshold, acr in sorted((int(t), str(a)) for t, a in levels):
        if (level or 0) >= threshold:
            chosen = acr
    return chosen


class _Mapper:
    def __init__(self, export: Export, group_map: dict[str, str], acr_levels: list) -> None:
        self.group_map, self.acr_levels = group_map, acr_levels
        self.out = Mapped()
        self.reported: set[tuple[str, str, str]] = set()
        self.objects: dict[str, SmObject] = {}
        self.by_class: dict[str, list[SmObject]] = {}
        for obj in export.objects:
            self.out.counts[obj.cls] = self.out.counts.get(obj.cls, 0) + 1
            if not obj.xid:
                self.issue(obj, "missing_xid", "the object has no XID: not carried")
                continue
            if obj.xid in self.objects:
                self.issue(obj, "duplicate_xid", "another object has this XID: not carried")
                continue
            self.objects[obj.xid] = obj
            self.by_class.setdefault(obj.cls, []).append(obj)

    def issue(self, obj: SmObject, code: str, message: str) -> None:
        if (obj.xid, code, message) in self.reported:
            return
        self.reported.add((obj.xid, code, message))
        self.out.issues.append(Issue(obj.xid, obj.cls, obj.name, code, message, obj.line))

    def resolve(self, obj: SmObject, link: Link, *classes: str) -> SmObject | None:
        target = self.objects.get(link.xid)
        if target is None or (classes and target.cls not in classes):
            self.issue(obj, "unresolved_link", f"link to {link.xid or link.path!r} not found")
            return None
        return target

    def unsupported_extras(self, obj: SmObject) -> None:
        for name, values in obj.props.items():
            present = any(v not in ("", None, False, 0) for v in values)
            if "TimeRestriction" in name and present:
                self.issue(obj, "time_restriction", f"{name} is not carried: applies at any time")
            elif name.startswith("Active") and present:
                self.issue(obj, "active_expression", f"{name} (active rule/policy) is not carried")

    # --- classes -----------------------------------------------------------------------

    def agents(self) -> dict[str, list[str]]:
        hosts: dict[str, list[str]] = {}
        for agent in self.by_class.get("Agent", []):
            name = agent.name.strip().lower()
            hosts[agent.xid] = [name] if HOST_NAME.match(name) else []
            if not hosts[agent.xid]:
                self.issue(
                    agent,
                    "agent_not_a_host",
                    f"agent name {agent.name!r} is not a host name: set the application's hosts "
                    "in the admin — until then its realms protect no web request",
                )
            self.out.plan.add("applications", agent.xid, name=agent.name, hosts=hosts[agent.xid])
        for group in self.by_class.get("AgentGroup", []):
            members: list[str] = []
            for link in [v for vs in group.props.values() for v in vs if isinstance(v, Link)]:
                member = self.resolve(group, link, "Agent")
                if member is not None:
                    members.extend(hosts.get(member.xid, []))
            hosts[group.xid] = sorted(set(members))
            self.out.plan.add("applications", group.xid, name=group.name, hosts=hosts[group.xid])
        return hosts

    def auth_scheme(self, realm: SmObject) -> tuple[str, str]:
        links = realm.links("AuthSchemeLink")
        if not links:
            return "", ""
        scheme = self.resolve(realm, links[0], "AuthScheme")
        if scheme is None:
            return "", ""
        kind = scheme.text("AuthSchemeType").strip()
        if kind.lower() not in PASSWORD_SCHEMES:
            self.issue(
                scheme,
                "unsupported_auth_scheme",
                f"scheme type {kind or '(none)'!r} is not Keyway's sign-in; "
                "realms using it require its level's acr",
            )
        return scheme.name, acr_for_level(scheme.number("Level"), self.acr_levels)

    def realms(self, agent_hosts: dict[str, list[str]]) -> set[str]:
        realms = {r.xid: r for r in self.by_class.get("Realm", [])}
        parent_of: dict[str, str | None] = {}
        for realm in realms.values():
            links = realm.links("ParentRealmLink")
            parent = links[0].xid if links else None
            if parent is None and realm.parent in realms:
                parent = realm.parent
            if parent is not None and parent not in realms:
                self.issue(realm, "unresolved_link", f"parent realm {parent!r} not found")
                parent = None
            parent_of[realm.xid] = parent

        def agent_of(xid: str, depth: int = 0) -> str | None:
            links = realms[xid].links("AgentLink", "AgentGroupLink")
            if links:
                return links[0].xid if links[0].xid in agent_hosts else None
            parent = parent_of.get(xid)
            return agent_of(parent, depth + 1) if parent and depth < 32 else None

        kept: set[str] = set()
        for realm in realms.values():
            agent = agent_of(realm.xid)
            if agent is None:
                self.issue(realm, "no_agent", "no (resolvable) agent or agent group: not carried")
                continue
            kept.add(realm.xid)
        dropped = True
        while dropped:  # a realm whose parent was not carried would lose its prefix
            dropped = False
            for xid in sorted(kept):
                parent = parent_of[xid]
                if parent is not None and parent not in kept:
                    kept.discard(xid)
                    self.issue(realms[xid], "no_parent", "its parent realm was not carried")
                    dropped = True
        for realm in realms.values():
            if realm.xid not in kept:
                continue
            scheme, acr = self.auth_scheme(realm)
            session = realm.text("SessionType").strip().lower().replace("-", "").replace(" ", "")
            if session not in ("", "persistent", "peristent", "nonpersistent", "nonperistent"):
                self.issue(realm, "unknown_session_type", f"SessionType {session!r} not known")
            parent = parent_of[realm.xid]
            self.unsupported_extras(realm)
            self.out.plan.add(
                "realms",
                realm.xid,
                name=realm.name,
                application=agent_of(realm.xid),
                parent=parent if parent in kept else None,
                resource_filter=realm.text("ResourceFilter"),
                protect_all=realm.flag("ProtectAll", True),
                required_acr=acr,
                auth_scheme=scheme,
                idle_timeout=self._timeout(realm, "IdleTimeout"),
                max_timeout=self._timeout(realm, "MaxTimeout"),
                persistent_session=session in ("persistent", "peristent"),
            )
        return kept

    @staticmethod
    def _timeout(realm: SmObject, name: str) -> int | None:
        if not realm.flag(f"{name}Enabled", True):
            return None
        seconds = realm.number(name)
        return seconds if seconds and seconds > 0 else None

    def rules(self, realms: set[str]) -> set[str]:
        kept: set[str] = set()
        for rule in self.by_class.get("Rule", []):
            links = rule.links("RealmLink")
            realm = links[0].xid if links else rule.parent
            if realm not in realms:
                self.issue(rule, "no_realm", "its realm was not carried: rule not carried")
                continue
            methods, events = [], []
            for action in re.split(r"[,\s;]+", rule.text("Actions")):
                if not action or action == "*":
                    continue
                if action.upper() in HTTP_METHODS:
                    methods.append(action.upper())
                elif EVENT_ACTIONS.match(action):
                    events.append(action)
                else:
                    self.issue(rule, "unknown_action", f"action {action!r} not known: ignored")
            if events and not methods:
                self.issue(
                    rule, "event_rule", f"event rule ({', '.join(events)}) is not an access rule"
                )
                continue
            resource, unsupported = rule.text("Resource", "*"), ""
            if rule.flag("RegularExpression", False):
                match = "regex"
                if regex_compile(resource) is None:
                    unsupported = "regular expression the engine cannot compile"
                    self.issue(rule, "unsupported_regex", f"{unsupported}: fails closed")
            elif resource in ("", "*"):
                match, resource = "prefix", ""
            else:
                match = "wildcard" if any(c in resource for c in "*?") else "prefix"
            self.unsupported_extras(rule)
            self.out.plan.add(
                "rules",
                rule.xid,
                name=rule.name,
                realm=realm,
                resource=resource,
                match=match,
                methods=sorted(set(methods)),
                allow=rule.flag("AllowAccess", True),
                enabled=rule.flag("IsEnabled", True),
                unsupported=unsupported,
            )
            kept.add(rule.xid)
        return kept

    def responses(self) -> set[str]:
        kept: set[str] = set()
        for response in self.by_class.get("Response", []):
            self.out.plan.add("responses", response.xid, name=response.name)
            kept.add(response.xid)
        for attr in self.by_class.get("ResponseAttr", []):
            links = attr.links("ResponseLink")
            response = links[0].xid if links else attr.parent
            if response not in kept:
                self.issue(attr, "no_response", "its response was not found: not carried")
                continue
            kind_value = attr.first("AgentTypeAttr") or attr.first("Type") or attr.first("AttrType")
            if isinstance(kind_value, Link):
                target = self.objects.get(kind_value.xid)
                kind_value = target.name if target else kind_value.xid
            kind = str(kind_value or "").strip()
            value = attr.text("Value")
            if kind.lower() != HEADER_TYPE:
                self.issue(attr, "unsupported_response", f"response type {kind!r} is not carried")
                continue
            name, _, content = value.partition("=")
            content = content.strip()
            user_attr = USERATTR.match(content)
            if not name.strip():
                self.issue(attr, "malformed_response", f"value {value!r} is not NAME=value")
                continue
            if user_attr is None and ("<%" in content or "<@" in content or "<#" in content):
                self.issue(attr, "active_response", f"{content!r} (active/dynamic) not carried")
                continue
            attribute = user_attr.group(1).lower() if user_attr else ""
            if attribute and attribute not in USER_ATTRIBUTES:
                self.issue(attr, "unknown_user_attribute", f"user attribute {attribute!r} unknown")
                continue
            self.out.plan.add(
                "response_entries",
                attr.xid,
                name=name.strip(),
                response=response,
                kind="header",
                value="" if user_attr else content,
                user_attribute=attribute,
            )
        return kept

    def _flags(self, user_policy: SmObject) -> int:
        raw = user_policy.first("PolicyFlags")
        if isinstance(raw, bool) or raw is None:
            return 0
        if isinstance(raw, (int, float)):
            return int(raw)
        text = str(raw).strip()
        if text.isdigit():
            return int(text)
        words = {w.lower() for w in re.split(r"[\s,|;]+", text) if w}
        return (
            (FLAG_EXCLUDE if "exclude" in words else 0)
            | (FLAG_RECURSIVE if "recursive" in words else 0)
            | (FLAG_AND if "and" in words else 0)
        )

    def _subject(self, up: SmObject) -> dict:
        path = up.text("FilterPath").strip()
        kind_hint = f"{up.text('FilterClass')} {up.text('PolicyResolution')}".lower()
        subject = dict(kind="group", value="", attribute="", source_dn=path[:2048], resolved=True)
        if path in ("", "*") or "all" in kind_hint.split():
            return {**subject, "kind": "all"}
        if "query" in kind_hint or path.startswith("("):
            query = QUERY.match(path)
            attribute = query.group(1).lower() if query else ""
            if query and attribute in USER_ATTRIBUTES:
                return {
                    **subject,
                    "kind": "attribute",
                    "attribute": attribute,
                    "value": query.group(2).strip(),
                }
            self.issue(up, "unsupported_query", f"query {path!r} not supported: fails closed")
            return {**subject, "kind": "attribute", "resolved": False}
        mapped = self.group_map.get(dn_normalise(path))
        if mapped and mapped.startswith("user:"):
            return {**subject, "kind": "user", "value": mapped[5:].strip()}
        if mapped:
            return {**subject, "kind": "group", "value": mapped}
        if "@" in path and "=" not in path:
            return {**subject, "kind": "user", "value": path}
        first = dn_normalise(path).split(",")[0]
        if first.startswith("mail="):
            return {**subject, "kind": "user", "value": first[5:]}
        kind = "user" if "user" in kind_hint else "group"
        self.issue(up, "unmapped_dn", f"{kind} DN {path!r} has no --group-map entry: fails closed")
        return {**subject, "kind": kind, "resolved": False}

    def _networks(self, policy: SmObject) -> list[str]:
        entries = [str(v).strip() for v in policy.props.get("IPAddresses", []) if str(v).strip()]
        networks: list[str] = []
        for entry in entries:
            try:
                if "-" in entry:
                    first, last = (ipaddress.ip_address(x.strip()) for x in entry.split("-", 1))
                    networks += [str(n) for n in ipaddress.summarize_address_range(first, last)]
                else:
                    networks.append(str(ipaddress.ip_network(entry, strict=False)))
            except (ValueError, TypeError):
                self.issue(policy, "unsupported_ip", f"IP restriction {entry!r} not carried")
        return networks or ([NO_ADDRESS] if entries else [])

    def _rules_of(self, owner: SmObject, link: Link, rules: set[str]) -> list[str]:
        target = self.resolve(owner, link, "Rule", "RuleGroup")
        if target is None:
            return []
        if target.cls == "Rule":
            return [target.xid] if target.xid in rules else []
        members = [
            m.xid
            for m in (self.objects.get(x.xid) for x in target.links("RulesLink", "RuleLink"))
            if m is not None and m.xid in rules
        ]
        members += [r.xid for r in self.by_class.get("Rule", []) if r.parent == target.xid]
        return [m for m in members if m in rules]

    def _responses_of(self, owner: SmObject, links: list[Link], responses: set[str]) -> list:
        out: list[str | None] = []
        for link in links:
            target = self.resolve(owner, link, "Response", "ResponseGroup")
            if target is None:
                continue
            if target.cls == "Response":
                out.append(target.xid)
            else:
                out += [x.xid for x in target.links("ResponsesLink", "ResponseLink")]
        return [r for r in out if r in responses] or [None]

    def policies(self, rules: set[str], responses: set[str]) -> None:
        children: dict[str, list[SmObject]] = {}
        for cls in ("UserPolicy", "PolicyLink"):
            for obj in self.by_class.get(cls, []):
                children.setdefault(obj.parent or "", []).append(obj)
        for policy in self.by_class.get("Policy", []):
            self.unsupported_extras(policy)
            match_all = False
            for up in (c for c in children.get(policy.xid, []) if c.cls == "UserPolicy"):
                flags = self._flags(up)
                match_all = match_all or bool(flags & FLAG_AND)
                self.out.plan.add(
                    "policy_subjects",
                    up.xid,
                    name=up.text("FilterPath")[:255] or up.xid,
                    policy=policy.xid,
                    exclude=bool(flags & FLAG_EXCLUDE),
                    recursive=bool(flags & FLAG_RECURSIVE),
                    **self._subject(up),
                )
            bound = 0
            for link in (c for c in children.get(policy.xid, []) if c.cls == "PolicyLink"):
                for rule_link in link.links("RuleLink", "RuleGroupLink"):
                    for rule in self._rules_of(link, rule_link, rules):
                        for response in self._responses_of(
                            link, link.links("ResponseLink", "ResponseGroupLink"), responses
                        ):
                            key = binding_key(link.xid, rule, response)
                            self.out.plan.add(
                                "policy_rules",
                                key,
                                name=link.xid[:255],
                                policy=policy.xid,
                                rule=rule,
                                response=response,
                            )
                            bound += 1
            for rule_link in policy.links("RuleLink", "RuleGroupLink"):
                for rule in self._rules_of(policy, rule_link, rules):
                    self.out.plan.add(
                        "policy_rules",
                        binding_key(policy.xid, rule, None),
                        name=policy.name,
                        policy=policy.xid,
                        rule=rule,
                        response=None,
                    )
                    bound += 1
            if not bound:
                self.issue(
                    policy, "no_rules", "the policy binds no carried rule: it grants nothing"
                )
            self.out.plan.add(
                "policies",
                policy.xid,
                name=policy.name,
                enabled=policy.flag("IsEnabled", True),
                allow=policy.flag("AllowAccess", True),
                match_all=match_all,
                ip_networks=self._networks(policy),
            )

    def run(self) -> Mapped:
        known = STRUCTURE_CLASSES | {
            "Agent",
            "AgentGroup",
            "Realm",
            "Rule",
            "RuleGroup",
            "Policy",
            "UserPolicy",
            "PolicyLink",
            "Response",
            "ResponseAttr",
            "AuthScheme",
        }
        for obj in self.objects.values():  # every reference, whatever its class
            for values in obj.props.values():
                for link in (v for v in values if isinstance(v, Link)):
                    if link.xid not in self.objects:
                        self.issue(
                            obj, "unresolved_link", f"link to {link.xid or link.path!r} not found"
                        )
        for cls, objects in self.by_class.items():
            if cls not in known:
                for obj in objects:
                    self.issue(obj, "unsupported_class", f"class {cls!r} is not carried")
        hosts = self.agents()
        realms = self.realms(hosts)
        rules = self.rules(realms)
        responses = self.responses()
        self.policies(rules, responses)
        return self.out


def export_map(*, export: Export, group_map: dict[str, str], acr_levels: list) -> Mapped:
    return _Mapper(export, group_map, acr_levels).run()
