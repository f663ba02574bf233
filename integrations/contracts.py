"""Event contracts: one JSON Schema per event type and version, kept in
`integrations/schemas/<type>.v<version>.json` (the data contract partners read in the
integration catalog). Every event is validated against its schema before it is stored."""

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


class EventContractError(ValueError):
    """An event that its contract does not allow. It is a bug in the producing code, not a
    user error, so it is loud: the business change it belongs to is rolled back with it."""


def schema_filename(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}.json"


@functools.cache
def known_contracts() -> tuple[tuple[str, int], ...]:
    """Every (event type, version) that has a schema, sorted."""
    found = []
    for path in SCHEMA_DIR.glob("*.v*.json"):
        event_type, _, version = path.name.removesuffix(".json").rpartition(".v")
        found.append((event_type, int(version)))
    return tuple(sorted(found))


@functools.cache
def load_schema(event_type: str, version: int) -> dict[str, Any]:
    if (event_type, version) not in known_contracts():
        known = sorted({t for t, _ in known_contracts()})
        raise EventContractError(
            f"Unknown event type {event_type!r} version {version}: add "
            f"integrations/schemas/{schema_filename(event_type, version)} first. "
            f"Known types: {', '.join(known)}."
        )
    schema: dict[str, Any] = json.loads(
        (SCHEMA_DIR / schema_filename(event_type, version)).read_text()
    )
    return schema


@functools.cache
def _validator(event_type: str, version: int) -> Draft202012Validator:
    schema = load_schema(event_type, version)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validate_envelope(envelope: dict[str, Any]) -> None:
    """Raise EventContractError naming every place the envelope breaks its schema."""
    validator = _validator(envelope.get("type", ""), envelope.get("version", 0))
    errors = sorted(validator.iter_errors(envelope), key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(
            f"{'/'.join(str(p) for p in error.absolute_path) or '(envelope)'}: {error.message}"
            for error in errors[:5]
        )
        raise EventContractError(
            f"Event {envelope['type']} v{envelope['version']} does not match its schema: {details}"
        )
