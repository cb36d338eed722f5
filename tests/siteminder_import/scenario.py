"""The synthetic SiteMinder export imported, and the people its policies are about."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from apps.accounts.services import user_create, user_groups_update
from apps.policies.services import group_nesting_add
from tests.conftest import PASSWORD

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "siteminder"
EXPORT_XML = FIXTURES / "synthetic_export.xml"
EXPORT_JSON = FIXTURES / "synthetic_export.json"
GROUP_MAP = FIXTURES / "group_map.csv"

PEOPLE = {
    # email: (groups, family name, external id)
    "alice@example.com": (["engineering"], "Example", None),  # employees through nesting
    "carol@example.com": (["employees", "contractors"], "Example", None),
    "walt@example.com": (["writers"], "Example", None),
    "wendy@example.com": (["writers"], "Other", None),
    "root@example.com": (["admins"], "Admin", None),
    "bob@example.com": ([], "Builder", None),
    "harriet@example.com": (["hr"], "Resources", "hr-0042"),
    "nobody@example.com": ([], "Nobody", None),
}


def import_export(path: Path = EXPORT_XML, *args: str) -> str:
    out = StringIO()
    call_command("import_siteminder", str(path), "--group-map", str(GROUP_MAP), *args, stdout=out)
    return out.getvalue()


def people_create() -> dict:
    users = {}
    for email, (groups, family_name, external_id) in PEOPLE.items():
        user = user_create(
            email=email, password=PASSWORD, family_name=family_name, external_id=external_id
        )
        user_groups_update(user=user, add=groups, remove=[])
        users[email] = user
    group_nesting_add(group="employees", member="engineering")
    return users
