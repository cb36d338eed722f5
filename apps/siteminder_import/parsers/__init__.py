"""SiteMinder policy-store exports as plain data: ``Export`` of ``SmObject``s.

Both readers (``xps_xml`` for XPSExport files, ``rest_json`` for the policy REST API)
produce the same shape: the object class without its ``CA.SM::`` prefix, the XID, the
containing object's XID, and each property (keyed by its name without the class prefix)
as a list of values — ``str``, ``int``/``float``, ``bool`` or ``Link``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Link:
    xid: str
    path: str = ""


Value = Union[str, int, float, bool, Link]  # noqa: UP007 (a runtime alias)


@dataclass(slots=True)
class SmObject:
    cls: str
    xid: str
    parent: str | None = None
    props: dict[str, list[Value]] = field(default_factory=dict)
    line: int = 0

    def first(self, name: str) -> Value | None:
        values = self.props.get(name)
        return values[0] if values else None

    def text(self, name: str, default: str = "") -> str:
        value = self.first(name)
        if value is None or isinstance(value, Link):
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.first(name)
        if value is None or isinstance(value, Link):
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return value != 0
        return value.strip().lower() in ("true", "yes", "1", "on")

    def number(self, name: str) -> int | None:
        value = self.first(name)
        if isinstance(value, bool) or value is None or isinstance(value, Link):
            return None
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return None

    def links(self, *names: str) -> list[Link]:
        return [v for n in names for v in self.props.get(n, ()) if isinstance(v, Link)]

    @property
    def name(self) -> str:
        return self.text("Name")


@dataclass(frozen=True)
class Oddity:
    """Something in the export the reader did not understand (reported, not fatal)."""

    line: int
    what: str


@dataclass
class Export:
    objects: list[SmObject] = field(default_factory=list)
    oddities: list[Oddity] = field(default_factory=list)


class ExportError(Exception):
    """The export cannot be read at all; nothing is imported."""

    def __init__(self, message: str, *, line: int = 0, column: int = 0) -> None:
        where = f"line {line}" + (f", column {column}" if column else "") + ": " if line else ""
        super().__init__(f"{where}{message}")
        self.line, self.column = line, column


def class_name(raw: str) -> str:
    """``CA.SM::Realm`` → ``Realm`` (interned: a few names shared by every object)."""
    return sys.intern(raw.rsplit("::", 1)[-1].strip())


def property_name(raw: str) -> str:
    """``CA.SM::Realm.ResourceFilter`` → ``ResourceFilter`` (the suffix is the key)."""
    return sys.intern(raw.rsplit("::", 1)[-1].rsplit(".", 1)[-1].strip())
