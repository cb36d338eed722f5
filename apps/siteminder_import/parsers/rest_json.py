"""SiteMinder policy REST API JSON (``/ca/api/sso/services/policy/v1/…``) → ``Export``.

Objects carry the same property names as XPSExport without the class prefix; links are
``{"id": XID, "path": …}`` (or lists of them). Accepted containers, reconstructed from
public material: a list of objects, or ``{"objects": [...]}`` / ``{"data": [...]}`` /
``{"data": {...}}``. Each object names its class in ``Class``/``class``/``objectClass``
(with or without ``CA.SM::``) and its XID in ``Xid``/``xid``/``id``; properties sit on
the object itself or under ``properties``; contained objects under ``children`` (each
gets the container's XID as ``parent``). Unknown shapes are reported, never fatal.
"""

from __future__ import annotations

import json
from typing import IO, Any

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

CLASS_KEYS = ("Class", "class", "objectClass", "ObjectClass")
XID_KEYS = ("Xid", "xid", "XID", "id", "ID")
META_KEYS = {*CLASS_KEYS, *XID_KEYS, "children", "Children", "properties", "path", "href"}
MAX_DEPTH = 64


def _value(raw: Any, export: Export, where: str) -> list[Value]:
    if isinstance(raw, bool | int | float | str):
        return [raw]
    if raw is None:
        return []
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return [Link(xid=raw["id"], path=str(raw.get("path", "")))]
    if isinstance(raw, list):
        return [v for item in raw for v in _value(item, export, where)]
    export.oddities.append(Oddity(0, f"unsupported value shape in {where}"))
    return []


def _object(raw: Any, parent: str | None, export: Export, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ExportError("objects are nested too deeply")
    if not isinstance(raw, dict):
        export.oddities.append(Oddity(0, f"not an object: {type(raw).__name__}"))
        return
    cls = next((raw[k] for k in CLASS_KEYS if isinstance(raw.get(k), str)), "")
    xid = next((raw[k] for k in XID_KEYS if isinstance(raw.get(k), str)), "")
    obj = SmObject(cls=class_name(cls), xid=xid.strip(), parent=parent)
    properties = (
        dict(raw.get("properties") or {}) if isinstance(raw.get("properties"), dict) else {}
    )
    properties.update({k: v for k, v in raw.items() if k not in META_KEYS})
    for key, value in properties.items():
        obj.props.setdefault(property_name(key), []).extend(
            _value(value, export, f"{obj.cls}.{key}")
        )
    export.objects.append(obj)
    children = raw.get("children", raw.get("Children")) or []
    for child in children if isinstance(children, list) else []:
        _object(child, obj.xid, export, depth + 1)


def parse(stream: IO[bytes]) -> Export:
    try:
        document = json.load(stream)
    except json.JSONDecodeError as error:
        raise ExportError(
            f"malformed JSON: {error.msg}", line=error.lineno, column=error.colno
        ) from None
    except (UnicodeDecodeError, RecursionError) as error:
        raise ExportError(f"unreadable JSON: {error.__class__.__name__}") from None
    if isinstance(document, dict):
        document = document.get("objects", document.get("data", document))
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise ExportError("expected a list of policy objects")
    export = Export()
    for raw in document:
        _object(raw, None, export, 0)
    return export
