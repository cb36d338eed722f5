"""OpenAPI additions: every operation documents its problem+json error answers and the
security schemes (client-credentials bearer token with scopes, admin session cookie)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from apps.api.permissions import SCOPE_READ, SCOPE_WRITE

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "pointer": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}
_ERRORS = {
    "400": "Malformed JSON or invalid fields (``errors`` names each).",
    "401": "No valid credentials.",
    "403": "Authenticated, but without the scope this operation needs.",
    "404": "No such resource.",
    "405": "Method not allowed.",
    "406": "Only JSON is served.",
    "409": "A request with this Idempotency-Key is still being processed.",
    "413": "The body is too large.",
    "415": "Unsupported Content-Type.",
    "422": "Idempotency-Key reused with a different request.",
    "429": "Rate limit reached; see Retry-After.",
    "500": "Unexpected error (logged).",
}
_RATELIMIT_HEADERS = {
    name: {"schema": {"type": "integer"}, "description": text}
    for name, text in (
        ("RateLimit-Limit", "Requests allowed per window."),
        ("RateLimit-Remaining", "Requests left in the current window."),
        ("RateLimit-Reset", "Seconds until the window frees a request."),
    )
}


def problem_responses_hook(result: dict, generator: Any, request: Any, public: bool) -> dict:
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = {
        "clientCredentials": {
            "type": "oauth2",
            "description": "A client-credentials access token from Keyway's token endpoint.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/oauth/token",
                    "scopes": {
                        SCOPE_READ: "Read users, clients, sessions, policies, imports, audit.",
                        SCOPE_WRITE: "Change them.",
                    },
                }
            },
        },
        "adminSession": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    }
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            scope = SCOPE_READ if method == "get" else SCOPE_WRITE
            operation["security"] = [{"clientCredentials": [scope]}, {"adminSession": []}]
            responses = operation.setdefault("responses", {})
            for code, text in _ERRORS.items():
                if method == "get" and code in ("409", "413", "415", "422"):
                    continue
                responses.setdefault(code, {"description": text, "content": problem})
            for code, response in responses.items():
                if code.startswith("2"):
                    response.setdefault("headers", {}).update(_RATELIMIT_HEADERS)
            if method == "post":
                operation.setdefault("parameters", []).append(
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 255},
                        "description": "Replays the first answer for 24 h when repeated.",
                    }
                )
    return result


class ClientCredentialsScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.ClientCredentialsAuthentication"
    name = "clientCredentials"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {"type": "http", "scheme": "bearer"}


class AdminSessionScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.AdminSessionAuthentication"
    name = "adminSession"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
