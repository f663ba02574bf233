"""drf-spectacular hooks: only /api/v1/ operations, problem responses on every operation,
the docs text (docs.md) and links to the event JSON Schemas."""

from pathlib import Path

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
    "409": "A request with this Idempotency-Key is still running.",
    "413": "The request body is larger than the limit.",
    "422": "A business rule refused the request, or the Idempotency-Key was used with "
    "another request.",
}


def only_api_v1(endpoints):
    return [
        (path, regex, method, callback)
        for path, regex, method, callback in endpoints
        if path.startswith("/api/v1/")
        and "/schema" not in path
        and "/docs" not in path
        and "/event-schemas" not in path
    ]


def add_problem_responses(result, generator, request, public):
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
                        "schema": {"type": "string", "maxLength": 255},
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
