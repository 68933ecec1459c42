"""Domain errors: a service raises one with a translated message; views map it onto the form."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule said no. ``message`` is shown to the user as is (already translated)."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
