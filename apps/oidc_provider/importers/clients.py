"""Reading relying parties exported from the legacy Node.js auth service.

The file is a JSON array of objects or JSON Lines (one object per line), told apart by its
first non-space character (``[`` or not). Each object names one client with RFC 7591
section 2 metadata (plus a few aliases the legacy service used)::

    {"client_id": "wiki", "client_name": "Wiki", "client_type": "confidential",
     "client_secret_hash": "$2b$10$...",   # or "client_secret": "<plaintext>"
     "redirect_uris": ["https://wiki.example.com/cb"], "post_logout_redirect_uris": [],
     "grant_types": ["authorization_code", "refresh_token"], "scope": "openid email",
     "token_endpoint_auth_method": "client_secret_basic", "skip_consent": false}

This module only parses and checks what needs no database or settings; every record comes
back either as a ``LegacyClient`` or as a ``Rejected`` with its position and reasons. The
registration rules that need the database or the scopes (``Client.clean``,
``client_metadata_errors``) are applied by ``import_services``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from apps.oidc_provider.client_services import _client_id_problem
from apps.oidc_provider.models import (
    GRANT_AUTHORIZATION_CODE,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_REFRESH_TOKEN,
    Client,
    TokenEndpointAuthMethod,
    default_auth_method,
    redirect_uri_problem,
)

# Legacy grant names -> Keyway's. Dashes and case are normalised first.
GRANT_NAMES = {
    "authorization_code": GRANT_AUTHORIZATION_CODE,
    "code": GRANT_AUTHORIZATION_CODE,
    "refresh_token": GRANT_REFRESH_TOKEN,
    "refresh": GRANT_REFRESH_TOKEN,
    "client_credentials": GRANT_CLIENT_CREDENTIALS,
}
REFUSED_GRANTS = {
    "implicit": "the implicit grant is not supported (RFC 9700 section 2.1.2): the relying "
    "party must move to authorization_code with PKCE before the cut-over",
    "token": "the implicit grant is not supported (RFC 9700 section 2.1.2): the relying "
    "party must move to authorization_code with PKCE before the cut-over",
    "password": "the resource owner password grant is not supported (RFC 9700 section 2.4): "
    "the relying party must move to authorization_code with PKCE before the cut-over",
}
# bcrypt as written by the `bcrypt` and `bcryptjs` npm packages (and PHP's $2y$).
BCRYPT_HASH = re.compile(r"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")
LEGACY_BCRYPT_PREFIX = "legacy_bcrypt$"
# Shorter plaintext secrets were probably chosen by a person: the fast hasher is only
# right for secrets nobody can search for, so the report says to rotate them.
WEAK_SECRET_LENGTH = 32

_ALIASES = {"name": "client_name", "type": "client_type", "grants": "grant_types"}
KNOWN_FIELDS = {
    "client_id",
    "client_name",
    "client_type",
    "client_secret",
    "client_secret_hash",
    "redirect_uris",
    "post_logout_redirect_uris",
    "grant_types",
    "scope",
    "scopes",
    "token_endpoint_auth_method",
    "skip_consent",
}


class ClientFileError(ValueError):
    """The file as a whole cannot be read (not UTF-8, not JSON, not an array of objects)."""


@dataclass(frozen=True)
class Position:
    """Where a record is: its 0-based index among the records and its 1-based line."""

    index: int
    line: int

    def __str__(self) -> str:
        return f"record {self.index + 1} (line {self.line})"

    def as_dict(self) -> dict[str, int]:
        return {"index": self.index, "line": self.line}


@dataclass(frozen=True)
class LegacyClient:
    position: Position
    client_id: str
    name: str
    client_type: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...] | None  # None: client_create's default
    scopes: tuple[str, ...] | None  # None: client_create's default
    token_endpoint_auth_method: str
    skip_consent: bool
    # Exactly one of these for a confidential client, neither for a public one.
    secret_plaintext: str | None = field(default=None, repr=False)
    secret_hash: str | None = field(default=None, repr=False)  # legacy_bcrypt$<raw>
    warnings: tuple[str, ...] = ()

    @property
    def is_public(self) -> bool:
        return self.client_type == Client.CLIENT_PUBLIC


@dataclass(frozen=True)
class Rejected:
    position: Position
    client_id: str | None
    reasons: tuple[str, ...]


@dataclass
class ParsedFile:
    records: list[LegacyClient]
    rejected: list[Rejected]

    @property
    def total(self) -> int:
        return len(self.records) + len(self.rejected)


# --- Reading the file ----------------------------------------------------------------------


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _json_array_items(text: str) -> list[tuple[int, Any | None, str | None]]:
    """(line, value, error) for each element of a top-level JSON array, with its line."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"\s*")
    pos = ws.match(text, 0).end() + 1  # after "["
    items: list[tuple[int, Any | None, str | None]] = []
    pos = ws.match(text, pos).end()
    if text.startswith("]", pos):
        pos = ws.match(text, pos + 1).end()
        if pos != len(text):
            raise ClientFileError(f"Unexpected data after the array at line {_line_of(text, pos)}.")
        return items
    while True:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ClientFileError(
                f"Not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
            ) from None
        items.append((_line_of(text, pos), value, None))
        pos = ws.match(text, end).end()
        if text.startswith(",", pos):
            pos = ws.match(text, pos + 1).end()
            continue
        if text.startswith("]", pos):
            pos = ws.match(text, pos + 1).end()
            if pos != len(text):
                raise ClientFileError(
                    f"Unexpected data after the array at line {_line_of(text, pos)}."
                )
            return items
        raise ClientFileError(
            f"Not valid JSON at line {_line_of(text, pos)}: expected ',' or ']' after a record."
        )


def _jsonl_items(text: str) -> list[tuple[int, Any | None, str | None]]:
    items: list[tuple[int, Any | None, str | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append((number, json.loads(line), None))
        except json.JSONDecodeError as exc:
            items.append((number, None, f"not valid JSON: {exc.msg} (column {exc.colno})"))
    return items


def parse_clients(data: bytes) -> ParsedFile:
    """Parse and check a legacy client file. Raises ``ClientFileError`` for the file as a
    whole; a bad record is returned as ``Rejected`` and the others still parse."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ClientFileError(f"The file is not UTF-8 (byte {exc.start}).") from None
    stripped = text.lstrip()
    if not stripped:
        return ParsedFile(records=[], rejected=[])
    items = _json_array_items(text) if stripped[0] == "[" else _jsonl_items(text)

    parsed = ParsedFile(records=[], rejected=[])
    for index, (line, value, error) in enumerate(items):
        position = Position(index=index, line=line)
        if error is not None:
            parsed.rejected.append(Rejected(position, None, (error,)))
            continue
        record = _record(position, value)
        (parsed.records if isinstance(record, LegacyClient) else parsed.rejected).append(record)

    # A client_id given twice is ambiguous: neither occurrence is imported.
    seen: dict[str, list[Position]] = {}
    for record in parsed.records:
        seen.setdefault(record.client_id, []).append(record.position)
    for rejected in parsed.rejected:
        if rejected.client_id:
            seen.setdefault(rejected.client_id, []).append(rejected.position)
    duplicated = {cid: positions for cid, positions in seen.items() if len(positions) > 1}
    if duplicated:
        kept: list[LegacyClient] = []
        for record in parsed.records:
            positions = duplicated.get(record.client_id)
            if positions is None:
                kept.append(record)
                continue
            parsed.rejected.append(Rejected(record.position, record.client_id, ()))
        parsed.records = kept
        parsed.rejected = [
            Rejected(r.position, r.client_id, (*r.reasons, _duplicate(duplicated[r.client_id])))
            if r.client_id in duplicated
            else r
            for r in parsed.rejected
        ]
    parsed.rejected.sort(key=lambda r: r.position.index)
    return parsed


def _duplicate(positions: list[Position]) -> str:
    lines = ", ".join(str(p.line) for p in sorted(positions, key=lambda p: p.index))
    return f"duplicate client_id in the file (lines {lines}): none of them is imported"


# --- Checking one record -------------------------------------------------------------------


def _uris(value: Any, name: str, reasons: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        reasons.append(f"{name} must be a list of strings")
        return ()
    for uri in value:
        problem = redirect_uri_problem(uri)
        if problem:
            reasons.append(f"bad {name[:-1].replace('_', ' ')} {uri!r}: {problem}")
    return tuple(dict.fromkeys(value))


def _grants(value: Any, reasons: list[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        reasons.append("grant_types must be a list of strings")
        return None
    grants = []
    for legacy in value:
        name = legacy.strip().lower().replace("-", "_")
        if name in REFUSED_GRANTS:
            reasons.append(f"grant type {legacy!r} refused: {REFUSED_GRANTS[name]}")
        elif name in GRANT_NAMES:
            grants.append(GRANT_NAMES[name])
        else:
            reasons.append(
                f"unknown grant type {legacy!r} (known: authorization_code, refresh_token, "
                "client_credentials)"
            )
    return tuple(dict.fromkeys(grants))


def _scopes(raw: dict[str, Any], reasons: list[str]) -> tuple[str, ...] | None:
    if "scope" in raw and "scopes" in raw:
        reasons.append("give either scope (a string) or scopes (a list), not both")
        return None
    value = raw.get("scope", raw.get("scopes"))
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        reasons.append("scope must be a space-separated string or a list of strings")
        return None
    return tuple(dict.fromkeys(value))


def secret_hash_stored_form(raw: str) -> str | None:
    """The stored form of a legacy secret hash, or None if its format is unknown."""
    if raw.startswith(LEGACY_BCRYPT_PREFIX):
        raw = raw[len(LEGACY_BCRYPT_PREFIX) :]
    if BCRYPT_HASH.match(raw):
        return LEGACY_BCRYPT_PREFIX + raw
    return None


def _record(position: Position, raw: Any) -> LegacyClient | Rejected:
    if not isinstance(raw, dict):
        return Rejected(position, None, ("a record must be a JSON object",))
    raw = {_ALIASES.get(k, k): v for k, v in raw.items()}
    reasons: list[str] = []
    warnings: list[str] = []

    client_id = raw.get("client_id")
    if client_id is None or client_id == "":
        reasons.append("missing client_id")
        client_id = None
    elif not isinstance(client_id, str):
        reasons.append("client_id must be a string")
        client_id = None
    else:
        problem = _client_id_problem(client_id)
        if problem:
            reasons.append(f"client_id {problem}")

    name = raw.get("client_name")
    if name is None:
        name = client_id or ""
    elif not isinstance(name, str) or not name.strip():
        reasons.append("client_name must be a non-empty string")
        name = ""

    method = raw.get("token_endpoint_auth_method")
    if method is not None and method not in TokenEndpointAuthMethod.values:
        reasons.append(
            f"unknown token_endpoint_auth_method {method!r} "
            f"(known: {', '.join(TokenEndpointAuthMethod.values)})"
        )
        method = None
    client_type = raw.get("client_type")
    if client_type is None:
        client_type = (
            Client.CLIENT_PUBLIC
            if method == TokenEndpointAuthMethod.NONE
            else Client.CLIENT_CONFIDENTIAL
        )
    elif client_type not in (Client.CLIENT_CONFIDENTIAL, Client.CLIENT_PUBLIC):
        reasons.append(f"client_type must be 'confidential' or 'public', not {client_type!r}")
    is_public = client_type == Client.CLIENT_PUBLIC
    if method is None:
        method = default_auth_method(client_type)

    plaintext, hashed = raw.get("client_secret"), raw.get("client_secret_hash")
    secret_plaintext = secret_hash = None
    if is_public:
        if plaintext or hashed:
            reasons.append("a public client has no secret: drop the secret or make it confidential")
    elif plaintext and hashed:
        reasons.append("give either client_secret or client_secret_hash, not both")
    elif plaintext:
        if not isinstance(plaintext, str):
            reasons.append("client_secret must be a string")
        else:
            secret_plaintext = plaintext
            if len(plaintext) < WEAK_SECRET_LENGTH:
                warnings.append(
                    f"client_secret is shorter than {WEAK_SECRET_LENGTH} characters: rotate "
                    "it once the relying party has switched"
                )
    elif hashed:
        stored = secret_hash_stored_form(hashed) if isinstance(hashed, str) else None
        if stored is None:
            reasons.append(
                "unknown hash format in client_secret_hash (supported: bcrypt $2a$, $2b$, $2y$)"
            )
        secret_hash = stored
    else:
        reasons.append("a confidential client needs client_secret or client_secret_hash")

    redirect_uris = _uris(raw.get("redirect_uris"), "redirect_uris", reasons)
    post_logout = _uris(raw.get("post_logout_redirect_uris"), "post_logout_redirect_uris", reasons)
    grant_types = _grants(raw.get("grant_types"), reasons)
    scopes = _scopes(raw, reasons)
    skip_consent = raw.get("skip_consent", False)
    if not isinstance(skip_consent, bool):
        reasons.append("skip_consent must be true or false")

    unknown = sorted(set(raw) - KNOWN_FIELDS)
    if unknown:
        warnings.append(f"ignored fields: {', '.join(unknown)}")

    if reasons:
        return Rejected(position, client_id, tuple(reasons))
    return LegacyClient(
        position=position,
        client_id=client_id,
        name=name.strip(),
        client_type=client_type,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout,
        grant_types=grant_types,
        scopes=scopes,
        token_endpoint_auth_method=method,
        skip_consent=skip_consent,
        secret_plaintext=secret_plaintext,
        secret_hash=secret_hash,
        warnings=tuple(warnings),
    )
