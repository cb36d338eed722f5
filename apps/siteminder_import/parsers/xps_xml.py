"""XPSExport XML (CA SiteMinder ``XPSExport`` policy-store dumps) → ``Export``.

The shape is reconstructed from public material, not from a vendor schema::

    <XPSDeployment>
      <Object Class="CA.SM::Domain" Xid="CA.SM::Domain@03-…">
        <Property Name="CA.SM::Domain.Name"><StringValue>Intranet</StringValue></Property>
        <Object Class="CA.SM::Realm" Xid="CA.SM::Realm@06-…">
          <Property Name="CA.SM::Realm.AgentLink"><LinkValue><XID>CA.SM::Agent@01-…</XID>
          </LinkValue></Property> …

so the reader keys on the object class and the property-name suffix, and reports every
element or attribute it does not know instead of failing on it. Objects nest by
containment: each gets its container's XID as ``parent``.

Untrusted input: a streaming ``lxml.etree.iterparse`` with no DTD loading, no entity
resolution, no network and lxml's default size limits (``huge_tree=False``); a document
with a DOCTYPE is refused outright (XXE, entity expansion). Each finished object is
cleared from the tree, so memory grows with the objects kept, not with the document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from lxml import etree

from apps.siteminder_import.parsers import (
    Export,
    ExportError,
    Link,
    Oddity,
    SmObject,
    Value,
    class_name,
    property_name,
)

KNOWN_ATTRIBUTES = {
    "Object": {"Class", "Xid", "ExportType", "CreatedDateTime", "ModifiedDateTime"},
    "Property": {"Name"},
}
STRUCTURE = {"XPSDeployment", "PolicyData", "DataDictionary", "ExportParameters"}
VALUES = {"StringValue", "NumberValue", "BooleanValue", "LinkValue", "XID", "DateValue"}
PROGRESS_EVERY = 2000


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _number(text: str) -> Value:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _values(prop: etree._Element, oddities: list[Oddity]) -> list[Value]:
    out: list[Value] = []
    for child in prop:
        tag, text = _tag(child), (child.text or "").strip()
        if tag == "StringValue" or tag == "DateValue":
            out.append(child.text or "")
        elif tag == "NumberValue":
            out.append(_number(text))
        elif tag == "BooleanValue":
            out.append(text.lower() in ("true", "1", "yes"))
        elif tag == "LinkValue":
            xid = next((x.text or "" for x in child if _tag(x) == "XID"), text).strip()
            out.append(Link(xid=xid))
        elif tag:
            oddities.append(Oddity(child.sourceline or 0, f"unknown value element <{tag}>"))
    return out


def parse(stream: IO[bytes], *, progress: Callable[[int], None] | None = None) -> Export:
    export = Export()
    stack: list[SmObject] = []
    reported: set[str] = set()

    def odd(line: int, what: str) -> None:
        if what not in reported or len(reported) < 1000:
            reported.add(what)
            export.oddities.append(Oddity(line, what))

    events = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    seen_root = False
    try:
        for event, element in events:
            tag = _tag(element)
            if event == "start":
                if not seen_root:
                    seen_root = True
                    if element.getroottree().docinfo.doctype:
                        raise ExportError(
                            "a DOCTYPE is not allowed in an export",
                            line=element.sourceline or 1,
                        )
                    if tag != "XPSDeployment":
                        raise ExportError(
                            f"the root element is <{tag}>, not <XPSDeployment>",
                            line=element.sourceline or 1,
                        )
                if tag == "Object":
                    for attribute in element.attrib:
                        if attribute not in KNOWN_ATTRIBUTES["Object"]:
                            odd(element.sourceline or 0, f"unknown attribute Object@{attribute}")
                    stack.append(
                        SmObject(
                            cls=class_name(element.get("Class", "")),
                            xid=(element.get("Xid") or "").strip(),
                            parent=stack[-1].xid if stack else None,
                            line=element.sourceline or 0,
                        )
                    )
                elif tag not in STRUCTURE and tag not in VALUES and tag != "Property":
                    odd(element.sourceline or 0, f"unknown element <{tag}>")
                continue
            if tag == "Property":
                if (
                    stack
                    and element.getparent() is not None
                    and _tag(element.getparent()) == "Object"
                ):
                    name = property_name(element.get("Name", ""))
                    stack[-1].props.setdefault(name, []).extend(_values(element, export.oddities))
                element.clear(keep_tail=False)
            elif tag == "Object":
                export.objects.append(stack.pop())
                element.clear(keep_tail=False)
                parent = element.getparent()
                if parent is not None:
                    parent.remove(element)  # bounded memory: finished objects leave the tree
                if progress is not None and len(export.objects) % PROGRESS_EVERY == 0:
                    progress(len(export.objects))
    except etree.XMLSyntaxError as error:
        line, column = error.position if error.position else (error.lineno or 0, 0)
        raise ExportError(f"malformed XML: {error.msg}", line=line, column=column) from None
    if not seen_root:
        raise ExportError("the export is empty")
    return export
