"""The tables of a report, and how a cell is written in a PDF (the reader's language) or an
XLSX sheet (a number with its format), whatever the report.

A column has a *kind*: ``text``, ``count``, ``amount`` (cents), ``days`` (a decimal
number of days), ``percent`` (already a percentage, like the CEI), ``ratio`` (a fraction
shown as a percentage), ``date``.

>>> shown(1234567, "amount", "fr"), shown(1234567, "amount", "en")
('12\\u202f345,67', '12,345.67')
>>> shown(Decimal("0.4057"), "ratio", "fr"), shown(Decimal("72.3"), "percent", "en")
('40,6\\xa0%', '72.3%')
>>> shown(None, "days", "fr"), shown(date(2026, 2, 28), "date", "fr")
('—', '28/02/2026')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal, format_percent

from creditpilot.core.money import from_cents

KINDS = ("text", "count", "amount", "days", "percent", "ratio", "date", "mixed")
NUMERIC = {"count", "amount", "days", "percent", "ratio", "mixed"}
LOCALES = {"fr": "fr_FR", "en": "en_GB"}
XLSX_FORMATS = {
    "count": "0",
    "amount": "#,##0.00",
    "days": "0.0",
    "percent": "0.0%",
    "ratio": "0.0%",
    "date": "dd/mm/yyyy",
}


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass
class Table:
    """Rows of values under their columns, with an optional total row (its first cell a label)."""

    columns: list[Column]
    rows: list[list[object]]
    total: list[object] | None = None
    title: str = ""


@dataclass
class Chart:
    """Lines over months (the PDF draws them; the XLSX has the same figures in a table)."""

    title: str
    months: list[date]
    series: dict[str, list[Decimal | None]]  # label -> one value per month
    unit: str = ""


@dataclass
class Section:
    """One part of a report: its title, what it says in words, its tables and charts."""

    key: str
    title: str
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@functools.lru_cache(maxsize=4)
def _locale(language: str) -> Locale:
    return Locale.parse(LOCALES.get(language, "fr_FR"))


def shown(value: object, kind: str, language: str) -> str:
    """A cell as the reader of ``language`` reads it; ``—`` for a figure that is absent.
    In a ``mixed`` column each cell is ``(value, kind)``."""
    if kind == "mixed" and isinstance(value, tuple):
        value, kind = value
    if value is None or value == "":
        return "—" if kind in NUMERIC else ""
    loc = _locale(language)
    if kind == "amount":
        return format_decimal(from_cents(int(str(value))), format="#,##0.00", locale=loc)
    if kind == "days":
        return format_decimal(Decimal(str(value)), format="#,##0.0", locale=loc)
    if kind == "count":
        return format_decimal(int(str(value)), format="#,##0", locale=loc)
    if kind in ("ratio", "percent"):
        fraction = Decimal(str(value)) / (100 if kind == "percent" else 1)
        pattern = loc.percent_formats[None].pattern
        last = pattern.rfind("0")
        return format_percent(
            fraction, format=pattern[: last + 1] + ".0" + pattern[last + 1 :], locale=loc
        )
    if kind == "date" and isinstance(value, date):
        return value.strftime("%d/%m/%Y" if language == "fr" else "%d %b %Y")
    return str(value)


def in_sheet(value: object, kind: str) -> object:
    """A cell as an XLSX number (euros, a fraction for percentages), or the text itself."""
    if kind == "mixed" and isinstance(value, tuple):
        value, kind = value
    if value is None or value == "":
        return None
    if kind == "amount":
        return from_cents(int(str(value)))
    if kind in ("days", "ratio"):
        return Decimal(str(value))
    if kind == "percent":
        return Decimal(str(value)) / 100
    if kind == "count":
        return int(str(value))
    return value
