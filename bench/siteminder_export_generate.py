"""Write a large SYNTHETIC XPSExport file for the SiteMinder import benchmark.

Run: .venv/bin/python bench/siteminder_export_generate.py OUT.xml [--realms 10000]
     [--rules-per-realm 5] [--agents 200]

Shape (streamed, nothing held in memory): ``--agents`` agents; one domain per 100 realms;
each realm (filter ``/app<n>/``, every 10th with a nested child realm) has
``--rules-per-realm`` rules (every 5th a deny, every 50th a regular expression), one
response with a static and a user-attribute header, and one policy binding its rules to
two user policies (a group DN and an Exclude). Defaults: 10,000 realms, 50,000 rules.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape


def _prop(cls: str, name: str, value: object) -> str:
    if isinstance(value, bool):
        inner = f"<BooleanValue>{'true' if value else 'false'}</BooleanValue>"
    elif isinstance(value, int):
        inner = f"<NumberValue>{value}</NumberValue>"
    elif isinstance(value, tuple):
        inner = "".join(f"<LinkValue><XID>{x}</XID></LinkValue>" for x in value)
    else:
        inner = f"<StringValue>{escape(str(value))}</StringValue>"
    return f'<Property Name="CA.SM::{cls}.{name}">{inner}</Property>'


def _open(out: IO[str], cls: str, xid: str, **props: object) -> None:
    out.write(f'<Object Class="CA.SM::{cls}" Xid="{xid}">')
    out.write("".join(_prop(cls, k, v) for k, v in props.items()))


def _object(out: IO[str], cls: str, xid: str, **props: object) -> None:
    _open(out, cls, xid, **props)
    out.write("</Object>\n")


def generate(path: Path, *, realms: int, rules_per_realm: int, agents: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write("<!-- SYNTHETIC benchmark data, not from a real SiteMinder policy store. -->\n")
        out.write('<XPSDeployment Synthetic="true"><PolicyData>\n')
        for a in range(agents):
            _object(out, "Agent", f"CA.SM::Agent@01-{a:08x}", Name=f"app{a}.example.com")
        _object(
            out,
            "AuthScheme",
            "CA.SM::AuthScheme@0d-1",
            Name="Forms",
            AuthSchemeType="HTML Form",
            Level=5,
        )
        for r in range(realms):
            if r % 100 == 0:
                if r:
                    out.write("</Object>\n")
                _open(out, "Domain", f"CA.SM::Domain@03-{r:08x}", Name=f"Domain {r // 100}")
            realm = f"CA.SM::Realm@06-{r:08x}"
            _open(
                out,
                "Realm",
                realm,
                Name=f"Realm {r}",
                ResourceFilter=f"/app{r}/",
                ProtectAll=r % 3 != 0,
                AgentLink=(f"CA.SM::Agent@01-{r % agents:08x}",),
                AuthSchemeLink=("CA.SM::AuthScheme@0d-1",),
                IdleTimeout=1800,
                MaxTimeout=7200,
                SessionType="Non-peristent",
            )
            rules = []
            for n in range(rules_per_realm):
                rule = f"CA.SM::Rule@07-{r:08x}{n:02x}"
                rules.append(rule)
                regex = n == 4 and r % 10 == 0
                _object(
                    out,
                    "Rule",
                    rule,
                    Name=f"Rule {r}.{n}",
                    Resource=r"^report[0-9]+\.pdf$" if regex else f"/area{n}/*",
                    Actions="GET,POST" if n % 2 else "GET",
                    AllowAccess=n != 3,
                    IsEnabled=True,
                    RegularExpression=regex,
                )
            if r % 10 == 0:
                _object(
                    out,
                    "Realm",
                    f"CA.SM::Realm@06-{r:08x}c",
                    Name=f"Realm {r} child",
                    ResourceFilter="child/",
                    ParentRealmLink=(realm,),
                    ProtectAll=True,
                )
            out.write("</Object>\n")
            response = f"CA.SM::Response@0a-{r:08x}"
            _open(out, "Response", response, Name=f"Headers {r}")
            _object(
                out,
                "ResponseAttr",
                f"CA.SM::ResponseAttr@0b-{r:08x}1",
                AgentTypeAttr="WebAgent-HTTP-Header-Variable",
                Value=f"HTTP_APP=app{r}",
            )
            _object(
                out,
                "ResponseAttr",
                f"CA.SM::ResponseAttr@0b-{r:08x}2",
                AgentTypeAttr="WebAgent-HTTP-Header-Variable",
                Value='SM_USER=<%userattr="mail"%>',
            )
            out.write("</Object>\n")
            _open(
                out,
                "Policy",
                f"CA.SM::Policy@08-{r:08x}",
                Name=f"Policy {r}",
                IsEnabled=True,
                AllowAccess=True,
            )
            _object(
                out,
                "UserPolicy",
                f"CA.SM::UserPolicy@0c-{r:08x}1",
                FilterPath=f"cn=Team{r % 50},ou=Groups,dc=example,dc=com",
                FilterClass="Group",
                PolicyResolution="group",
                PolicyFlags=2,
            )
            _object(
                out,
                "UserPolicy",
                f"CA.SM::UserPolicy@0c-{r:08x}2",
                FilterPath="cn=Contractors,ou=Groups,dc=example,dc=com",
                FilterClass="Group",
                PolicyResolution="group",
                PolicyFlags=1,
            )
            for n, rule in enumerate(rules):
                _object(
                    out,
                    "PolicyLink",
                    f"CA.SM::PolicyLink@0f-{r:08x}{n:02x}",
                    RuleLink=(rule,),
                    ResponseLink=(response,),
                )
            out.write("</Object>\n")
        if realms:
            out.write("</Object>\n")
        out.write("</PolicyData></XPSDeployment>\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--realms", type=int, default=10_000)
    parser.add_argument("--rules-per-realm", type=int, default=5)
    parser.add_argument("--agents", type=int, default=200)
    args = parser.parse_args()
    generate(args.out, realms=args.realms, rules_per_realm=args.rules_per_realm, agents=args.agents)


if __name__ == "__main__":
    main()
