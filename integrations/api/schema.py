"""drf-spectacular hooks: only /api/v1/ operations, problem responses on every operation,
the docs text (docs.md) and links to the event JSON Schemas."""

from pathlib import Path
from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from integrations.api.idempotency import MAX_KEY_LENGTH
from integrations.contracts import known_contracts

DOCS = Path(__file__).resolve().parent / "docs.md"

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "/api/v1/docs/#problem-validation"},
        "title": {"type": "string", "example": "Invalid request"},
        "status": {"type": "integer", "example": 400},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "detail", "code"],
                "properties": {
                    "pointer": {"type": "string", "example": "/lines/0/quantity"},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                    "line": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                },
            },
        },
        "existing": {
            "type": "string",
            "description": "409 on a create: the link of the document that already exists.",
            "example": "/api/v1/asns/ASN-2026-0042",
        },
    },
}

_PROBLEMS = {
    "400": "The request's format is invalid; `errors` points at each bad field.",
    "401": "No API key, or an unknown, revoked or expired one.",
    "403": "The API key lacks the scope this operation needs.",
    "404": "No such document for this API key.",
    "429": "Throttled; retry after `Retry-After` seconds.",
}
_WRITE_PROBLEMS = {
    "409": "A request with this Idempotency-Key is still running, or (on a create) the "
    "document already exists: `existing` links to it.",
    "413": "The request body is larger than the limit.",
    "422": "A business rule refused the request, or the Idempotency-Key was used with "
    "another request.",
}


# What `idempotency.claim` accepts: printable ASCII, no space at either end (HTTP strips it).
IDEMPOTENCY_KEY_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_KEY_LENGTH,
    "pattern": r"^[!-~](?:[ -~]*[!-~])?$",
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, stating two constraints the serializers enforce that it
    leaves out: the length limits of nested lists (`lines`, `items`: minItems/maxItems),
    and a decimal's lower bound of 0 (the decimals travel as strings: the pattern admits
    no minus sign, and `minimum` says it for readers)."""

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ListSerializer | serializers.ListField):
            # ListSerializer takes them through many=True (the stubs omit them).
            min_length = getattr(field, "min_length", None)
            max_length = getattr(field, "max_length", None)
            if min_length is not None:
                schema.setdefault("minItems", min_length)
            if max_length is not None:
                schema.setdefault("maxItems", max_length)
        if (
            isinstance(field, serializers.DecimalField)
            and schema.get("type") == "string"
            and field.min_value is not None
            and field.min_value >= 0
        ):
            schema["pattern"] = schema.get("pattern", "").replace("^-?", "^", 1)
            schema["minimum"] = field.min_value
        return schema


Endpoint = tuple[str, str, str, Any]


def only_api_v1(endpoints: list[Endpoint]) -> list[Endpoint]:
    return [
        (path, regex, method, callback)
        for path, regex, method, callback in endpoints
        if path.startswith("/api/v1/")
        and "/schema" not in path
        and "/docs" not in path
        and "/event-schemas" not in path
    ]


def add_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            problems = dict(_PROBLEMS)
            if method in ("post", "put", "patch"):
                problems.update(_WRITE_PROBLEMS)
                operation.setdefault("parameters", []).append(
                    {
                        "in": "header",
                        "name": "Idempotency-Key",
                        "required": False,
                        "schema": dict(IDEMPOTENCY_KEY_SCHEMA),
                        "description": "Makes a retry safe: see Idempotency.",
                    }
                )
            responses = operation.setdefault("responses", {})
            for code, description in problems.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": ref}},
                    },
                )
    links = "\n".join(
        f"- [{event_type} v{version}](/api/v1/event-schemas/{event_type}.v{version}.json)"
        for event_type, version in known_contracts()
    )
    result["info"]["description"] = DOCS.read_text() + "\n\n## Event JSON Schemas\n" + links + "\n"
    return result
