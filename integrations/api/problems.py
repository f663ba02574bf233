"""RFC 9457 problem details for every API error.

`{type, title, status, detail, errors: [{pointer, detail, code}]}` with
`Content-Type: application/problem+json`. Request validation errors (wrong format) are
400; business-rule errors from the services (`DomainError`) are 422 with the very message
the pages show.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
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


def _escape(token) -> str:
    # RFC 6901: "~" → "~0", "/" → "~1".
    return str(token).replace("~", "~0").replace("/", "~1")


def flatten_errors(detail, pointer: str = "") -> list[dict]:
    """DRF's nested error detail → one entry per bad field with its JSON pointer."""
    if isinstance(detail, dict):
        out = []
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
    errors: list[dict] | None = None,
    headers: dict | None = None,
) -> Response:
    body = {
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


def domain_error_pointer(error: DomainError, *, line_pointers: dict | None = None) -> str:
    """Where a DomainError points: its line (mapped by the view to the request's list
    index, e.g. {3: "/lines/0"}) and its field."""
    base = ""
    if error.line is not None and line_pointers and error.line in line_pointers:
        base = line_pointers[error.line]
    field = error.field or ""
    if base and field in ("line_no", "supplier_sku"):
        return base
    return f"{base}/{field}" if field else (base or "/")


def problem_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error as problem JSON; None (a 500) for bugs."""
    if isinstance(exc, DomainError):
        set_rollback()
        view = context.get("view")
        line_pointers = getattr(view, "line_pointers", None)
        entry = {
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
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait) + (0 if exc.wait == int(exc.wait) else 1))
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
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else None
    return problem(exc.status_code, str(detail), problem_type=code, headers=headers)
