"""The values the API reads from a query or a body, checked strictly before any view sees them.

A date is written ``YYYY-MM-DD`` and nothing else (``0`` is not 1970-01-01),
between 1900 and 9999; text never holds a control character (a NUL would match
every customer in a search, and PostgreSQL refuses it); a page offset stays far
inside what a database integer holds.

>>> iso_date("2026-06-30")
'2026-06-30'
>>> iso_date("0")
Traceback (most recent call last):
...
ValueError: a date is written YYYY-MM-DD, like 2026-06-30
>>> in_range(dt.date(1, 1, 1))
Traceback (most recent call last):
...
ValueError: a date between 1900-01-01 and 9999-12-31
>>> plain_text("ACME"), has_control_character("a\\x00b"), has_control_character("Société Générale")
('ACME', True, False)
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(9999, 12, 31)
MAX_OFFSET = 1_000_000_000
MAX_ID = 2**63 - 1  # the largest key a database holds

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def iso_date(value: object) -> object:
    """A date given as text must be ``YYYY-MM-DD`` (no timestamp, no other order)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD, like 2026-06-30")
    return value


def in_range(value: dt.date) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"a date between {FIRST_DAY} and {LAST_DAY}")
    return value


def has_control_character(text: str) -> bool:
    return _CONTROL.search(text) is not None


def plain_text(value: str) -> str:
    if has_control_character(value):
        raise ValueError("control characters (such as NUL or a line break) are not allowed")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(iso_date), AfterValidator(in_range)]
PlainText = Annotated[str, AfterValidator(plain_text)]
