"""One error hierarchy, each error with a stable code, its parameters and a message.

>>> err = InvalidInputError("bad_date", "not a date: 20261341", file="a.txt", line=3, column="EcritureDate")
>>> err.code, err.location()
('bad_date', 'a.txt, line 3, column EcritureDate')
>>> str(err)
'a.txt, line 3, column EcritureDate: not a date: 20261341'

Errors of the readers take their sentence from the catalogue of reasons
(``core/reasons.py``), made from the code and the params:

>>> row = RowError.of("a.txt", 3, "EcritureDate", "bad_date", value="20261341", format="YYYYMMDD")
>>> str(row), row.params["value"]
("a.txt, line 3, column EcritureDate: not a date (YYYYMMDD): '20261341'", '20261341')
>>> str(InvalidInputError.of("not_text", file="a.bin"))
'a.bin: not a text file (binary content)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

from creditpilot.core.reasons import reason_text


class CreditPilotError(Exception):
    """Base of every error the product raises on purpose."""

    code = "error"

    def __init__(self, code: str | None = None, message: str = "", **params: Any) -> None:
        if code:
            self.code = code
        self.message = message
        self.params = params
        super().__init__(message)

    @classmethod
    def of(cls, code: str, /, **params: Any) -> Self:
        """The error of ``code``, its message made from the catalogue of reasons and ``params``."""
        message = reason_text(code, params) or code
        return cls(code, message, **params)

    def location(self) -> str:
        parts = []
        if self.params.get("file"):
            parts.append(str(self.params["file"]))
        if self.params.get("line") is not None:
            parts.append(f"line {self.params['line']}")
        if self.params.get("column"):
            parts.append(f"column {self.params['column']}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class InvalidInputError(CreditPilotError):
    """A file, an argument or a value that the product refuses."""

    code = "invalid_input"


class NotFoundError(CreditPilotError):
    code = "not_found"


class UsageError(CreditPilotError):
    """The command was called the wrong way (exit status 2)."""

    code = "usage"


@dataclass(frozen=True)
class RowError:
    """One rejected row of an input file: where, and why."""

    file: str
    line: int | None
    column: str | None
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls, file: str, line: int | None, column: str | None, code: str, /, **params: Any
    ) -> RowError:
        """The row error of ``code``, its message made from the catalogue of reasons and ``params``."""
        values = {"column": column, **params} if column else params
        message = reason_text(code, values) or code
        return cls(file, line, column, code, message, params)

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f"column {self.column}")
        return f"{', '.join(parts)}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "params": dict(self.params),
        }


# what SQLite and PostgreSQL say when the disk holding the store is full
_DISK_FULL = ("database or disk is full", "no space left on device", "could not extend file")


def is_disk_full(err: BaseException) -> bool:
    """Whether a store error says the disk is full (the store rolled the work back).

    >>> is_disk_full(OSError("database or disk is full")), is_disk_full(ValueError("x"))
    (True, False)
    """
    text = str(err).lower()
    return any(words in text for words in _DISK_FULL)


DISK_FULL_MESSAGE = (
    "the disk holding the store is full: nothing was written, the store is as it was; "
    "free some space and run the command again"
)
