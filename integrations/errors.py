"""The one domain error type every service raises (STYLE §4).

It carries a user-facing message and, where it applies, the field and the line it
concerns, so each channel can put it where the user will look: next to a form field, in a
problem-JSON pointer, in an EDI AK segment or an import row error.
"""


class DomainError(Exception):
    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        line: int | str | None = None,
        code: str = "invalid",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.line = line
        self.code = code

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}" if where else self.message
