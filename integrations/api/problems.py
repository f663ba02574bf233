"""RFC 9457 problem details for every API error.

`{type, title, status, detail, errors: [{pointer, detail, code}]}` with
`Content-Type: application/problem+json`. Request validation errors (wrong format) are
400; business-rule errors from the services (`DomainError`) are 422 with the very message
the pages show.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from integrations.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/docs/#problem-"

TITLES = {
    400: "Invalid request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
}


class UnprocessableReference(exceptions.ValidationError):
    """A well-formed request naming something the caller does not have (a PO line of
    another supplier, an unknown unit or warehouse): 422, with pointers like a 400."""

    status_code = 422
    default_code = "reference"


class AlreadyExists(exceptions.APIException):
    """A create whose natural key (an ASN number, …) is already taken: 409, with the
    existing document's link in the body's `existing` and in `Location`."""

    status_code = 409
    default_code = "already-exists"

    def __init__(self, detail: str, *, location: str) -> None:
        super().__init__(detail)
        self.location = location


@contextmanager
def conflict_on_natural_key(
    *, existing: Callable[[], str | None], fields: tuple[str, ...], detail: str
) -> Iterator[None]:
    """Run a create; if it fails because its natural key is taken, raise AlreadyExists.

    Taken shows two ways: the service's own check refuses the duplicate (a DomainError on
    one of `fields`), or, when two requests race past that check, the unique constraint
    fires (IntegrityError). Either way, `existing()` (the link of the document holding
    the key, or None) decides: a 409 with that link, or the original error."""
    try:
        yield
    except IntegrityError as error:
        location = existing()
        if location is None:
            raise
        raise AlreadyExists(detail, location=location) from error
    except DomainError as error:
        location = existing() if error.field in fields else None
        if location is None:
            raise
        raise AlreadyExists(detail, location=location) from error


def _escape(token: object) -> str:
    # RFC 6901: "~" → "~0", "/" → "~1".
    return str(token).replace("~", "~0").replace("/", "~1")


def flatten_errors(detail: Any, pointer: str = "") -> list[dict[str, Any]]:
    """DRF's nested error detail → one entry per bad field with its JSON pointer."""
    if isinstance(detail, dict):
        out: list[dict[str, Any]] = []
        for key, value in detail.items():
            child = pointer if key == "non_field_errors" else f"{pointer}/{_escape(key)}"
            out.extend(flatten_errors(value, child))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [
                {
                    "pointer": pointer or "/",
                    "detail": str(item),
                    "code": getattr(item, "code", "invalid"),
                }
                for item in detail
            ]
        out = []
        for index, item in enumerate(detail):
            if item in ({}, [], None):
                continue
            if isinstance(item, str):
                out.extend(flatten_errors([item], pointer))
            else:
                out.extend(flatten_errors(item, f"{pointer}/{index}"))
        return out
    return [
        {
            "pointer": pointer or "/",
            "detail": str(detail),
            "code": getattr(detail, "code", "invalid"),
        }
    ]


def problem(
    status_code: int,
    detail: str,
    *,
    problem_type: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"{TYPE_BASE}{problem_type or status_code}",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def domain_error_pointer(
    error: DomainError, *, line_pointers: Mapping[int | str, str] | None = None
) -> str:
    """Where a DomainError points: its line (mapped by the view to the request's list
    index, e.g. {3: "/lines/0"}) and its field."""
    base = ""
    if error.line is not None and line_pointers and error.line in line_pointers:
        base = line_pointers[error.line]
    field = error.field or ""
    if base and field in ("line_no", "supplier_sku"):
        return base
    return f"{base}/{field}" if field else (base or "/")


def problem_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error as problem JSON; None (a 500) for bugs."""
    if isinstance(exc, DomainError):
        set_rollback()
        view = context.get("view")
        line_pointers = getattr(view, "line_pointers", None)
        entry: dict[str, Any] = {
            "pointer": domain_error_pointer(exc, line_pointers=line_pointers),
            "detail": exc.message,
            "code": exc.code,
        }
        if exc.line is not None:
            entry["line"] = exc.line
        return problem(422, exc.message, problem_type="business-rule", errors=[entry])
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)  # set by DRF on a 401
    if auth_header:
        headers["WWW-Authenticate"] = str(auth_header)
    wait = getattr(exc, "wait", None)  # set by DRF on a 429
    if wait:
        headers["Retry-After"] = str(int(wait) + (0 if wait == int(wait) else 1))
    if isinstance(exc, AlreadyExists):
        response = problem(
            409, str(exc.detail), problem_type="already-exists", headers={"Location": exc.location}
        )
        response.data["existing"] = exc.location
        return response
    if isinstance(exc, UnprocessableReference):
        return problem(
            422,
            "The request names something that does not exist for this key; see errors.",
            problem_type="reference",
            errors=flatten_errors(exc.detail),
            headers=headers,
        )
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            status.HTTP_400_BAD_REQUEST,
            "The request has invalid fields; see errors.",
            problem_type="validation",
            errors=flatten_errors(exc.detail),
            headers=headers,
        )
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else None
    return problem(exc.status_code, str(detail), problem_type=code, headers=headers)
