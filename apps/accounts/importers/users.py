"""Parse and validate a legacy user export, one record at a time (no database access).

Two formats, both UTF-8:

* ``jsonl``: one JSON object per line (blank lines are skipped);
* ``csv``: a header row, then one record per row (quoted fields may span lines).

Fields (unknown fields, e.g. MongoDB's ``__v``, are ignored):

``email`` (required), ``given_name``, ``family_name``, ``display_name``, ``groups`` (a JSON
list of names; in CSV names separated by ``;``), ``is_active`` (JSON bool; in CSV
``true``/``false``/``1``/``0``/``yes``/``no``), ``external_id`` (else MongoDB's ``_id``, a
string or ``{"$oid": ...}``), and at most one password source:

* ``password_hash``: a raw bcrypt hash from the ``bcrypt``/``bcryptjs`` npm packages
  (``$2a$``, ``$2b$``, ``$2y$``), or an already-encoded ``legacy_bcrypt$...`` or
  ``legacy_pbkdf2_plm$...`` hash;
* ``salt`` + ``hash``: passport-local-mongoose's two fields, with optional per-record
  ``iterations``, ``keylen``, ``digest`` and ``encoding`` (``hex`` or ``base64``) overriding
  the per-run :class:`Pbkdf2Defaults` (PLM's own defaults unless the command says otherwise).

No password source means "must set a password": the importer gives new users an unusable
password. Nothing is ever re-hashed: a bcrypt hash is kept exactly as the npm package wrote
it, a PLM salt/hash pair is re-encoded into ``legacy_pbkdf2_plm$...`` (the salt text and the
first 16 bytes of the derived key: see ``LegacyPbkdf2PasswordHasher``; Django's password
column holds 128 characters, PLM's 512-byte key in hex alone is 1,024). Django upgrades
either to Argon2id at the first successful sign-in.

A record that fails validation becomes a :class:`Rejected` with its line number and reason;
parsing goes on with the next record.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from apps.accounts.hashers import LegacyBcryptPasswordHasher, LegacyPbkdf2PasswordHasher
from apps.accounts.models import email_normalize

FORMATS = ("jsonl", "csv")
MAX_LINE_BYTES = 64 * 1024  # a longer line is rejected without being parsed
MAX_GROUPS = 100
NAME_LIMITS = {"given_name": 150, "family_name": 150, "display_name": 255}
GROUP_NAME_MAX = 150  # django.contrib.auth.models.Group.name
EXTERNAL_ID_MAX = 255
CSV_GROUP_SEPARATOR = ";"

_BCRYPT = re.compile(r"\A\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_PLM = LegacyPbkdf2PasswordHasher


@dataclass(frozen=True)
class Pbkdf2Defaults:
    """passport-local-mongoose options for records that do not carry their own."""

    iterations: int = _PLM.default_iterations
    keylen: int = _PLM.default_keylen
    digest: str = _PLM.default_digest
    encoding: str = "hex"


@dataclass(frozen=True, slots=True)
class UserRecord:
    """One valid record. ``None`` means the field was absent: an update leaves it alone."""

    line: int
    email: str  # normalized as Keyway stores it
    given_name: str | None = None
    family_name: str | None = None
    display_name: str | None = None
    groups: tuple[str, ...] | None = None
    is_active: bool | None = None
    external_id: str | None = None
    password: str | None = None  # encoded for Django (legacy_bcrypt$..., legacy_pbkdf2_plm$...)

    @property
    def key(self) -> str:
        return self.email.lower()


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str
    email: str | None = None


class RecordError(ValueError):
    """A record is invalid; the message is the reason in the report."""


def _text(raw: dict, field: str, limit: int) -> str | None:
    if field not in raw or raw[field] is None:
        return None
    value = raw[field]
    if not isinstance(value, str):
        raise RecordError(f"{field} must be a string")
    value = value.strip()
    if len(value) > limit:
        raise RecordError(f"{field} is longer than {limit} characters")
    if _CONTROL.search(value):
        raise RecordError(f"{field} contains control characters")
    return value


def _email(raw: dict) -> str:
    value = raw.get("email")
    if not isinstance(value, str) or not value.strip():
        raise RecordError("missing email")
    email = email_normalize(value)
    if len(email) > 254:
        raise RecordError("bad email: longer than 254 characters")
    try:
        validate_email(email)
    except ValidationError:
        raise RecordError(f"bad email: {email[:100]!r}") from None
    return email


def _groups(raw: dict, *, csv_row: bool) -> tuple[str, ...] | None:
    value = raw.get("groups")
    if value is None:
        return None
    if csv_row and isinstance(value, str):
        value = [name for name in value.split(CSV_GROUP_SEPARATOR) if name.strip()]
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise RecordError("bad groups: must be a list of names")
    names = []
    for name in value:
        name = name.strip()
        if not name or len(name) > GROUP_NAME_MAX or _CONTROL.search(name):
            raise RecordError(f"bad groups: invalid group name {name[:40]!r}")
        if name not in names:
            names.append(name)
    if len(names) > MAX_GROUPS:
        raise RecordError(f"bad groups: more than {MAX_GROUPS}")
    return tuple(names)


def _is_active(raw: dict) -> bool | None:
    value = raw.get("is_active")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise RecordError("bad is_active: must be true or false")


def _external_id(raw: dict) -> str | None:
    value = raw.get("external_id")
    if value is None or value == "":
        value = raw.get("_id")
        if isinstance(value, dict):  # MongoDB extended JSON: {"$oid": "..."}
            value = value.get("$oid")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError("bad external_id: must be a string or an integer")
    value = str(value).strip()
    if len(value) > EXTERNAL_ID_MAX or _CONTROL.search(value):
        raise RecordError("bad external_id")
    return value


def _positive_int(value: Any, field: str, limit: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= limit:
        raise RecordError(f"bad {field}: must be an integer from 1 to {limit}")
    return value


def _plm(raw: dict, defaults: Pbkdf2Defaults) -> str:
    salt, hashed = raw.get("salt"), raw.get("hash")
    if not isinstance(salt, str) or not isinstance(hashed, str) or not salt or not hashed:
        raise RecordError("unknown hash format: salt and hash must both be non-empty strings")
    if "$" in salt or len(salt) > 1024 or _CONTROL.search(salt):
        raise RecordError("unknown hash format: bad PBKDF2 salt")

    def pick(field: str) -> Any:
        value = raw.get(field)
        return getattr(defaults, field) if value in (None, "") else value

    iterations = _positive_int(pick("iterations"), "iterations", _PLM.max_iterations)
    keylen = _positive_int(pick("keylen"), "keylen", _PLM.max_keylen)
    digest, encoding = pick("digest"), pick("encoding")
    if digest not in _PLM.digests:
        raise RecordError(f"bad digest: must be one of {', '.join(_PLM.digests)}")
    try:
        if encoding == "hex":
            key = bytes.fromhex(hashed)
        elif encoding == "base64":
            key = base64.b64decode(hashed, validate=True)
        else:
            raise RecordError("bad encoding: must be hex or base64")
    except (ValueError, binascii.Error):
        raise RecordError(f"unknown hash format: hash is not {encoding}") from None
    if len(key) != keylen:
        raise RecordError(f"unknown hash format: hash is {len(key)} bytes, keylen is {keylen}")
    encoded = _PLM.format(digest=digest, iterations=iterations, keylen=keylen, salt=salt, key=key)
    if len(encoded) > _PLM.max_encoded:
        raise RecordError("unsupported hash: the PBKDF2 salt is too long to store")
    return encoded


def _password(raw: dict, defaults: Pbkdf2Defaults) -> str | None:
    value = raw.get("password_hash")
    has_plm = raw.get("salt") not in (None, "") or raw.get("hash") not in (None, "")
    if value in (None, ""):
        return _plm(raw, defaults) if has_plm else None
    if has_plm:
        raise RecordError("ambiguous password: both password_hash and salt/hash")
    if not isinstance(value, str):
        raise RecordError("unknown hash format")
    bcrypt_prefix = f"{LegacyBcryptPasswordHasher.algorithm}$"
    if value.startswith(bcrypt_prefix):
        value = value[len(bcrypt_prefix) :]
    if _BCRYPT.match(value):
        return bcrypt_prefix + value
    if (
        value.startswith(f"{_PLM.algorithm}$")
        and len(value) <= _PLM.max_encoded
        and _PLM.parse(value) is not None
    ):
        return value
    prefix = value.split("$")[1] if value.startswith("$") and value.count("$") > 1 else value[:8]
    raise RecordError(f"unknown hash format: {prefix[:16]!r}")


def record_from_mapping(
    raw: Any, line: int, defaults: Pbkdf2Defaults, *, csv_row: bool = False
) -> UserRecord:
    if not isinstance(raw, dict):
        raise RecordError("bad JSON: a record must be an object")
    names = {field: _text(raw, field, limit) for field, limit in NAME_LIMITS.items()}
    return UserRecord(
        line=line,
        email=_email(raw),
        groups=_groups(raw, csv_row=csv_row),
        is_active=_is_active(raw),
        external_id=_external_id(raw),
        password=_password(raw, defaults),
        **names,
    )


def _physical_lines(stream: IO[bytes], too_long: set[int]) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) per line, reading at most MAX_LINE_BYTES of any one line."""
    number = 0
    while True:
        chunk = stream.readline(MAX_LINE_BYTES + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):  # drain the rest of the line
                chunk = stream.readline(MAX_LINE_BYTES)
            too_long.add(number)
            yield number, b"\n"
            continue
        yield number, chunk


def _jsonl(stream: IO[bytes], defaults: Pbkdf2Defaults) -> Iterator[UserRecord | Rejected]:
    too_long: set[int] = set()
    for number, data in _physical_lines(stream, too_long):
        if number in too_long:
            too_long.discard(number)
            yield Rejected(number, f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        if number == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if not data.strip():
            continue
        try:
            raw = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            yield Rejected(number, "not UTF-8")
            continue
        except (ValueError, RecursionError):
            yield Rejected(number, "bad JSON")
            continue
        try:
            yield record_from_mapping(raw, number, defaults)
        except RecordError as error:
            email = raw.get("email") if isinstance(raw, dict) else None
            yield Rejected(number, str(error), email if isinstance(email, str) else None)


def _csv(stream: IO[bytes], defaults: Pbkdf2Defaults) -> Iterator[UserRecord | Rejected]:
    too_long: set[int] = set()

    def text() -> Iterator[str]:
        for number, data in _physical_lines(stream, too_long):
            if number == 1 and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            # Undecodable bytes become lone surrogates, and their record is rejected below.
            yield data.decode("utf-8", "surrogateescape")

    reader = csv.reader(text(), strict=True)
    header: list[str] | None = None
    while True:
        first = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Rejected(first, f"bad CSV: {error}")
            continue
        last = reader.line_num
        if too_long & set(range(first, last + 1)):
            too_long.clear()
            yield Rejected(first, f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        if not row or not any(cell.strip() for cell in row):
            continue
        if any(_has_surrogates(cell) for cell in row):
            yield Rejected(first, "not UTF-8")
            continue
        if header is None:
            header = [name.strip() for name in row]
            if "email" not in header:
                yield Rejected(first, "bad CSV: the header has no email column")
                return
            continue
        if len(row) != len(header):
            yield Rejected(first, f"bad CSV: {len(row)} fields, the header has {len(header)}")
            continue
        raw = {name: value for name, value in zip(header, row, strict=True) if value != ""}
        try:
            yield record_from_mapping(raw, first, defaults, csv_row=True)
        except RecordError as error:
            yield Rejected(first, str(error), raw.get("email"))


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def records_parse(
    stream: IO[bytes], *, format: str, defaults: Pbkdf2Defaults | None = None
) -> Iterator[UserRecord | Rejected]:
    """Stream ``stream`` (binary) into records and rejections, in file order.

    A second record for an email already seen (compared case-insensitively, as Keyway's
    unique constraint does) or an external_id already seen is rejected as a duplicate.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}")
    parse = _jsonl if format == "jsonl" else _csv
    return _without_duplicates(parse(stream, defaults or Pbkdf2Defaults()))


def _without_duplicates(
    items: Iterable[UserRecord | Rejected],
) -> Iterator[UserRecord | Rejected]:
    emails: dict[str, int] = {}
    external_ids: dict[str, int] = {}
    for item in items:
        if isinstance(item, UserRecord):
            seen = emails.get(item.key)
            if seen is not None:
                yield Rejected(item.line, f"duplicate email in file (line {seen})", item.email)
                continue
            if item.external_id is not None:
                seen = external_ids.get(item.external_id)
                if seen is not None:
                    reason = f"duplicate external_id in file (line {seen})"
                    yield Rejected(item.line, reason, item.email)
                    continue
                external_ids[item.external_id] = item.line
            emails[item.key] = item.line
        yield item
