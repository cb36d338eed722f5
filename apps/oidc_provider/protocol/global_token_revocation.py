"""Request parsing for Global Token Revocation (draft-parecki-oauth-global-token-revocation
section 3.2): a JSON body whose ``sub_id`` is an RFC 9493 Subject Identifier.

Plain data in, plain data out; the view (views/global_token_revocation.py) authenticates
the caller and acts on the result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# A Subject Identifier is a few hundred bytes; anything this large is not one.
MAX_BODY_BYTES = 16 * 1024
# RFC 5321 section 4.5.3.1.3: a path (and so a mailbox) is at most 256 octets; Keyway
# stores at most 254 characters (the User model's EmailField).
MAX_EMAIL_LENGTH = 254
# Section 3.2's formats that Keyway can resolve. "opaque" (RFC 9493 section 3.2.4) would
# name the same public subject as iss_sub does; it is not offered (yet).
SUPPORTED_FORMATS = ("email", "iss_sub")


class MalformedRequest(ValueError):
    """The body is not a revocation request Keyway understands (section 3.4.2: 400)."""


@dataclass(frozen=True)
class SubjectIdentifier:
    """One RFC 9493 Subject Identifier, already checked for shape."""

    format: str
    email: str = ""
    iss: str = ""
    sub: str = ""

    def audit_data(self) -> dict[str, str]:
        """What the audit log keeps of the identifier (bounded: it came from outside)."""
        if self.format == "email":
            return {"format": self.format, "email": self.email[:MAX_EMAIL_LENGTH]}
        return {"format": self.format, "iss": self.iss[:255], "sub": self.sub[:255]}


def _required_string(sub_id: dict[str, Any], member: str) -> str:
    # RFC 9493 sections 3.2.2 and 3.2.3: each member is REQUIRED, a string, and MUST NOT be
    # null or empty.
    value = sub_id.get(member)
    if not isinstance(value, str) or not value:
        raise MalformedRequest(f"sub_id.{member} must be a non-empty string.")
    # JSON can spell a NUL byte or a lone surrogate (\u0000, \ud800); neither is text any
    # identifier holds, and neither may reach the database (PostgreSQL refuses NUL, the
    # drivers cannot encode a surrogate).
    if "\x00" in value or _has_surrogate(value):
        raise MalformedRequest(f"sub_id.{member} holds characters no identifier has.")
    return value


def _has_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_revocation_request(body: bytes) -> SubjectIdentifier:
    """Section 3.2: a JSON object whose ``sub_id`` member is a Subject Identifier (RFC 9493
    section 3: a JSON object with a ``format`` member and that format's members).

    Raises ``MalformedRequest`` for anything else: not JSON, not an object, a missing or
    mistyped member, a format Keyway does not support, an email that is not one.
    Unrecognised members are ignored.
    """
    if len(body) > MAX_BODY_BYTES:
        raise MalformedRequest("The request body is too large.")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedRequest("The request body is not valid JSON.") from exc
    if not isinstance(document, dict):
        raise MalformedRequest("The request body must be a JSON object.")
    sub_id = document.get("sub_id")
    if not isinstance(sub_id, dict):
        raise MalformedRequest("sub_id must be a JSON object (an RFC 9493 Subject Identifier).")
    subject_format = sub_id.get("format")
    if not isinstance(subject_format, str) or not subject_format:
        raise MalformedRequest("sub_id.format must be a non-empty string.")
    if subject_format not in SUPPORTED_FORMATS:
        raise MalformedRequest(
            "Unsupported subject identifier format; use one of: "
            + ", ".join(SUPPORTED_FORMATS)
            + "."
        )
    if subject_format == "email":
        email = _required_string(sub_id, "email").strip()
        # RFC 9493 section 3.2.2: an email address (RFC 5322 addr-spec). The same check
        # every Keyway account's address passed, which also keeps NUL bytes and lone
        # surrogates away from the database.
        try:
            if len(email) > MAX_EMAIL_LENGTH:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError as exc:
            raise MalformedRequest("sub_id.email must be an email address.") from exc
        return SubjectIdentifier(format="email", email=email)
    return SubjectIdentifier(
        format="iss_sub", iss=_required_string(sub_id, "iss"), sub=_required_string(sub_id, "sub")
    )
