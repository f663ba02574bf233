"""Cursor pagination for API lists: opaque `cursor` links, `limit` from 1 to 200. A cursor
stays valid while rows are inserted, unlike page numbers. An invalid `limit` is a 400
(DRF would silently fall back to the default)."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200
    ordering = ("-updated_at", "-id")

    def get_page_size(self, request) -> int:
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

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters


def cursor_pagination(*ordering: str) -> type[ApiCursorPagination]:
    """A paginator class ordered by `ordering` (the last field must be unique)."""
    return type("CursorPagination", (ApiCursorPagination,), {"ordering": ordering})
