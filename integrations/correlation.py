"""The correlation id of the work in progress: set once where a request or message enters
(the web middleware from `X-Request-ID`, the API, a task), read by `publish()` and
`audit_record()` so that one business transaction can be followed from the request to its
events, their deliveries and the connectors' logs."""

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar

_current: ContextVar[str] = ContextVar("correlation_id", default="")
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


def current_correlation_id() -> str:
    return _current.get()


def acceptable_correlation_id(value: str) -> str:
    """`value` if it is a safe id to keep and echo (a client's X-Request-ID), else ''."""
    return value if _ACCEPTABLE.match(value or "") else ""


@contextlib.contextmanager
def bound_correlation_id(value: str) -> Iterator[str]:
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
