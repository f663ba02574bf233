"""Cursor pagination for API lists: opaque `cursor` links, `limit` from 1 to 200. A cursor
stays valid while rows are inserted, unlike page numbers. An invalid `limit` is a 400
(DRF would silently fall back to the default), and so is a `cursor` that is empty or not
one we gave out (DRF answers 404 to a garbled one and 500 to a forged position)."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.views import APIView

CURSOR_ERROR = (
    "Send the cursor of a `next` or `previous` link unchanged, or leave `cursor` out for "
    "the first page."
)


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200
    ordering = ("-updated_at", "-id")

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {"limit": [f"Send a whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def decode_cursor(self, request: Request) -> Cursor | None:
        if request.query_params.get(self.cursor_query_param) == "":
            raise ValidationError({self.cursor_query_param: [CURSOR_ERROR]})
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [CURSOR_ERROR]}) from None
        # PostgreSQL refuses NUL in any text comparison: a forged position, never ours.
        if cursor is not None and "\x00" in str(cursor.position or ""):
            raise ValidationError({self.cursor_query_param: [CURSOR_ERROR]})
        return cursor

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: "APIView | None" = None
    ) -> list[Any] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            # A cursor's position is compared with the ordering field: one we did not give
            # out (a date that is not a date, a number past the column) fails there.
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise ValidationError({self.cursor_query_param: [CURSOR_ERROR]}) from None

    def get_schema_operation_parameters(self, view: "APIView") -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"]["minLength"] = 1
        return parameters


def cursor_pagination(*ordering: str) -> type[ApiCursorPagination]:
    """A paginator class ordered by `ordering` (the last field must be unique)."""
    return type("CursorPagination", (ApiCursorPagination,), {"ordering": ordering})
