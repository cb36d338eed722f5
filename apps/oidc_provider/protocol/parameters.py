"""Request-parameter rules shared by the authorization and token endpoints.

RFC 6749 section 3.1 and 3.2: "Request and response parameters MUST NOT be included more
than once." Django keeps only the last value of a repeated parameter, so repeats are found
here, before oauthlib ever sees the request. Sizes are bounded so that nothing oversized
reaches a hash, a database column or a log line.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_VALUE_LENGTH = 2048
# An ID token grows with its claims (many groups): hints get the JWT verifier's own bound.
LONG_VALUES = {"id_token_hint": 32 * 1024}
# RFC 8707 allows `resource` to repeat.
REPEATABLE = frozenset({"resource"})


def parameters_problem(items: Iterable[tuple[str, str]]) -> str | None:
    """A description of what is wrong with these parameters, or None."""
    seen: set[str] = set()
    for name, value in items:
        if name in seen and name not in REPEATABLE:
            return f"The {name} parameter is included more than once."
        seen.add(name)
        if len(value) > LONG_VALUES.get(name, MAX_VALUE_LENGTH):
            return f"The {name} parameter is too long."
        if "\x00" in value or "\x00" in name:
            return f"The {name} parameter contains a NUL character."
    return None
