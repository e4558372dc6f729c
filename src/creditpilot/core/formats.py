"""Amounts and dates said in a language, for documents sent to customers (letters, statements).

>>> money_text(123456, "EUR", "fr").replace("\\u202f", " ").replace("\\u00a0", " ")
'1 234,56 €'
>>> money_text(-5000, "EUR", "en")
'-€50.00'
>>> date_text(date(2026, 12, 3), "fr"), date_text(date(2026, 12, 3), "en")
('3 décembre 2026', '3 December 2026')
>>> short_date(date(2026, 12, 3), "fr"), short_date(date(2026, 12, 3), "en")
('03/12/2026', '03/12/2026')
"""

from __future__ import annotations

from datetime import date
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency

from creditpilot.core.money import from_cents

LANGUAGES = ("fr", "en")


@cache
def _locale(language: str) -> Locale:
    return Locale.parse("fr_FR" if language != "en" else "en_GB")


def money_text(cents: int, currency: str, language: str) -> str:
    """``1 234,56 €`` in French, ``€1,234.56`` in English (no-break spaces as Babel gives them)."""
    return format_currency(from_cents(cents), currency, locale=_locale(language))


def date_text(day: date, language: str) -> str:
    return format_date(day, "long", locale=_locale(language))


def short_date(day: date, language: str) -> str:
    return format_date(day, "dd/MM/yyyy", locale=_locale(language))
