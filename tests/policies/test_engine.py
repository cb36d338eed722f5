"""The engine's precedence rules (module docstring of apps.policies.engine), on plain data."""

from __future__ import annotations

from apps.policies import engine as e

ALICE = e.Person(email="alice@example.com", groups=frozenset({"staff"}), attributes={"sn": "A"})
BOB = e.Person(email="bob@example.com", groups=frozenset({"contractors", "staff"}))
APP = e.Application(key="app", name="intranet", kind="web", hosts=("intranet.example.com",))


def snapshot(realms, rules, policies, *, responses=(), apps=(APP,), nesting=None) -> e.Snapshot:
    return e.Snapshot(
        applications=apps,
        realms=realms,
        rules=rules,
        policies=policies,
        responses=responses,
        group_parents=nesting,
    )


def realm(key: str, filter: str, **kw) -> e.Realm:
    return e.Realm(key=key, name=key, application="app", filter=filter, **kw)


def rule(key: str, realm_key: str, resource: str = "*", **kw) -> e.Rule:
    return e.Rule(key=key, name=key, realm=realm_key, resource=resource, **kw)


def everyone(key: str, *rules: str, **kw) -> e.Policy:
    return e.Policy(
        key=key,
        name=key,
        subjects=(e.Subject(kind="all"),),
        bindings=tuple(e.Binding(r) for r in rules),
        **kw,
    )


def decide(snap: e.Snapshot, path: str, person=ALICE, method="GET", ip=None) -> e.Decision:
    return e.decide_resource(
        snap,
        person=person,
        host="intranet.example.com",
        path=path,
        method=method,
        context=e.Context(ip=ip),
    )


def test_a_path_no_realm_filter_prefixes_is_unprotected() -> None:
    snap = snapshot([realm("r", "/app/")], [rule("x", "r")], [everyone("p", "x")])
    decision = decide(snap, "/other", person=None)
    assert decision.allowed
    assert not decision.protected


def test_another_host_is_unprotected() -> None:
    snap = snapshot([realm("r", "/")], [], [])
    decision = e.decide_resource(snap, person=None, host="elsewhere.example.com", path="/")
    assert decision.allowed


def test_the_host_port_is_ignored_and_case_folded() -> None:
    snap = snapshot([realm("r", "/", protect_all=True)], [], [])
    decision = e.decide_resource(snap, person=None, host="Intranet.Example.com:443", path="/")
    assert decision.authentication_required


def test_the_most_specific_realm_wins_alone() -> None:
    snap = snapshot(
        [realm("root", "/"), realm("admin", "/admin/")],
        [rule("read", "root"), rule("admin", "admin", methods=frozenset({"POST"}))],
        [everyone("p", "read", "admin")],
    )
    assert decide(snap, "/index").allowed
    # /admin/ is decided by the admin realm only: its rule covers POST, not GET.
    refused = decide(snap, "/admin/page")
    assert not refused.allowed
    assert refused.realm == "admin"
    assert decide(snap, "/admin/page", method="POST").allowed


def test_protect_all_false_leaves_unmatched_resources_unprotected() -> None:
    snap = snapshot(
        [realm("r", "/docs/", protect_all=False)],
        [rule("private", "r", "private/*")],
        [everyone("p", "private")],
    )
    open_page = decide(snap, "/docs/readme", person=None)
    assert open_page.allowed
    assert not open_page.protected
    assert decide(snap, "/docs/private/x", person=None).authentication_required


def test_protect_all_denies_what_no_rule_matches() -> None:
    snap = snapshot([realm("r", "/")], [rule("get", "r", methods=frozenset({"GET"}))], [])
    decision = decide(snap, "/x", method="DELETE")
    assert not decision.allowed
    assert "no enabled rule matches" in decision.reasons[0]


def test_a_protected_resource_needs_a_signed_in_person() -> None:
    snap = snapshot([realm("r", "/", required_acr="acr:pwd", idle_timeout=60)], [], [])
    decision = decide(snap, "/", person=None)
    assert decision.authentication_required
    assert decision.required_acr == "acr:pwd"
    assert decision.idle_timeout == 60


def test_a_deny_rule_that_fires_overrides_an_allow() -> None:
    snap = snapshot(
        [realm("r", "/")],
        [rule("all", "r"), rule("secret", "r", "/secret*", allow=False)],
        [everyone("p", "all", "secret")],
    )
    assert decide(snap, "/public").allowed
    refused = decide(snap, "/secret/plan")
    assert not refused.allowed
    assert "denies" in refused.reasons[0]


def test_a_policy_with_allow_access_false_denies_through_its_rules() -> None:
    snap = snapshot(
        [realm("r", "/")],
        [rule("all", "r")],
        [everyone("allow", "all"), everyone("block", "all", allow=False)],
    )
    assert not decide(snap, "/").allowed


def test_disabled_rules_and_policies_never_fire() -> None:
    snap = snapshot(
        [realm("r", "/")],
        [rule("off", "r", enabled=False), rule("on", "r", "/on")],
        [everyone("p", "off"), everyone("disabled", "on", enabled=False)],
    )
    assert not decide(snap, "/x").allowed
    assert not decide(snap, "/on").allowed


def test_exclude_takes_a_member_out() -> None:
    policy = e.Policy(
        key="p",
        name="staff but not contractors",
        subjects=(
            e.Subject(kind="group", value="staff"),
            e.Subject(kind="group", value="contractors", exclude=True),
        ),
        bindings=(e.Binding("all"),),
    )
    snap = snapshot([realm("r", "/")], [rule("all", "r")], [policy])
    assert decide(snap, "/", person=ALICE).allowed
    assert not decide(snap, "/", person=BOB).allowed


def test_and_requires_every_entry_or_requires_one() -> None:
    subjects = (
        e.Subject(kind="group", value="staff"),
        e.Subject(kind="group", value="contractors"),
    )
    for match_all, alice_allowed in ((True, False), (False, True)):
        policy = e.Policy(
            key="p",
            name="p",
            subjects=subjects,
            bindings=(e.Binding("all"),),
            match_all=match_all,
        )
        snap = snapshot([realm("r", "/")], [rule("all", "r")], [policy])
        assert decide(snap, "/", person=ALICE).allowed is alice_allowed
        assert decide(snap, "/", person=BOB).allowed


def test_recursive_follows_nested_groups_only_when_set() -> None:
    for recursive in (True, False):
        policy = e.Policy(
            key="p",
            name="p",
            subjects=(e.Subject(kind="group", value="employees", recursive=recursive),),
            bindings=(e.Binding("all"),),
        )
        snap = snapshot(
            [realm("r", "/")],
            [rule("all", "r")],
            [policy],
            nesting={"staff": ["everyone-in-eu"], "everyone-in-eu": ["employees"]},
        )
        assert decide(snap, "/", person=ALICE).allowed is recursive


def test_attribute_conditions_and_users() -> None:
    policy = e.Policy(
        key="p",
        name="p",
        subjects=(
            e.Subject(kind="attribute", attribute="sn", value="a"),
            e.Subject(kind="user", value="BOB@example.com"),
        ),
        bindings=(e.Binding("all"),),
    )
    snap = snapshot([realm("r", "/")], [rule("all", "r")], [policy])
    assert decide(snap, "/", person=ALICE).allowed
    assert decide(snap, "/", person=BOB).allowed
    carol = e.Person(email="carol@example.com")
    assert not decide(snap, "/", person=carol).allowed


def test_unresolved_entries_fail_closed() -> None:
    ghost = e.Subject(kind="group", resolved=False)
    allow = e.Policy(key="a", name="a", subjects=(ghost,), bindings=(e.Binding("all"),))
    deny = e.Policy(key="d", name="d", subjects=(ghost,), bindings=(e.Binding("all"),), allow=False)
    ghost_exclude = e.Subject(kind="group", resolved=False, exclude=True)
    everyone_but = e.Policy(
        key="b",
        name="b",
        subjects=(e.Subject(kind="all"), ghost_exclude),
        bindings=(e.Binding("all"),),
    )
    rules = [rule("all", "r")]
    assert not decide(snapshot([realm("r", "/")], rules, [allow]), "/").allowed
    assert not decide(snapshot([realm("r", "/")], rules, [everyone_but]), "/").allowed
    both = snapshot([realm("r", "/")], rules, [everyone("p", "all"), deny])
    assert not decide(both, "/").allowed


def test_an_unsupported_rule_never_allows_and_always_denies() -> None:
    rules = [
        rule("any", "r", "/open*"),
        rule("bad-allow", "r", "(?<=x+)y", match=e.MATCH_REGEX, unsupported="regex"),
        rule("bad-deny", "r", "(?<=x+)y", match=e.MATCH_REGEX, unsupported="regex", allow=False),
    ]
    only_allow = snapshot([realm("r", "/")], rules[:2], [everyone("p", "any", "bad-allow")])
    assert not decide(only_allow, "/elsewhere").allowed
    assert decide(only_allow, "/open").allowed
    with_deny = snapshot([realm("r", "/")], rules, [everyone("p", "any", "bad-deny")])
    assert not decide(with_deny, "/open").allowed


def test_rule_patterns_prefix_wildcard_and_regex() -> None:
    rules = [
        rule("prefix", "r", "/docs", match=e.MATCH_PREFIX),
        rule("wild", "r", "/img/*.png"),
        rule("regex", "r", r"^api/v[0-9]+/", match=e.MATCH_REGEX),
    ]
    snap = snapshot([realm("r", "/")], rules, [everyone("p", "prefix", "wild", "regex")])
    assert decide(snap, "/docs/a/b").allowed
    assert decide(snap, "/img/logo.png").allowed
    assert not decide(snap, "/img/logo.gif").allowed
    assert decide(snap, "/api/v2/items").allowed
    assert not decide(snap, "/api/vX/items").allowed


def test_ip_restrictions_cover_only_those_addresses() -> None:
    policy = everyone("p", "all", ip_networks=("10.0.0.0/8",))
    snap = snapshot([realm("r", "/")], [rule("all", "r")], [policy])
    assert decide(snap, "/", ip="10.2.3.4").allowed
    assert not decide(snap, "/", ip="192.0.2.1").allowed
    assert not decide(snap, "/", ip=None).allowed


def test_responses_give_static_and_user_attribute_obligations() -> None:
    response = e.Response(
        key="resp",
        name="resp",
        entries=(
            e.ResponseEntry(kind="header", name="SM_USER", user_attribute="mail"),
            e.ResponseEntry(kind="header", name="HTTP_DEPT", value="Engineering"),
            e.ResponseEntry(kind="claim", name="department", value="eng"),
        ),
    )
    policy = e.Policy(
        key="p", name="p", subjects=(e.Subject(kind="all"),), bindings=(e.Binding("all", "resp"),)
    )
    snap = snapshot([realm("r", "/")], [rule("all", "r")], [policy], responses=[response])
    person = e.Person(email="a@example.com", attributes={"mail": "a@example.com"})
    decision = decide(snap, "/", person=person)
    assert decision.headers == {"SM_USER": "a@example.com", "HTTP_DEPT": "Engineering"}
    assert decision.claims == {"department": "eng"}


def test_an_application_no_realm_covers_is_not_governed() -> None:
    oidc = e.Application(key="o", name="rp", kind="oidc", party_id="client-1")
    snap = snapshot([], [], [], apps=(oidc,))
    decision = e.decide_application(snap, person=ALICE, protocol="oidc", party_id="client-1")
    assert decision.allowed
    assert "no policy governs" in decision.reasons[0]


def test_an_application_is_decided_at_its_entry_point() -> None:
    saml = e.Application(key="s", name="sp", kind="saml", party_id="https://sp.example.com")
    realms = [e.Realm(key="r", name="r", application="s", filter="/", required_acr="acr:mfa")]
    policy = e.Policy(
        key="p",
        name="p",
        subjects=(e.Subject(kind="group", value="staff"),),
        bindings=(e.Binding("all"),),
    )
    snap = snapshot(realms, [rule("all", "r")], [policy], apps=(saml,))
    allowed = e.decide_application(
        snap, person=ALICE, protocol="saml", party_id="https://sp.example.com"
    )
    assert allowed.allowed
    assert allowed.required_acr == "acr:mfa"
    outsider = e.Person(email="x@example.com")
    refused = e.decide_application(
        snap, person=outsider, protocol="saml", party_id="https://sp.example.com"
    )
    assert not refused.allowed
