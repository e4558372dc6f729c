"""Receivables KPIs: count-back DSO, best possible DSO, ADD, overdue ratio, CEI (SPEC §3).

*Sales of a month* are given in cents by ``(year, month)``; the month of the
as-of date holds only the sales dated up to it.

>>> from datetime import date
>>> sales = {(2026, 4): 100000, (2026, 5): 150000, (2026, 6): 60000}
>>> count_back_dso(200000, sales, date(2026, 6, 15))  # 15 days + 31 days * 140000/150000
Decimal('43.93333333333333333333333333')
>>> format_days(count_back_dso(200000, sales, date(2026, 6, 15)))
'43.9'
>>> overdue_ratio({"not_due": 300, "1_30": 100, "31_60": 0, "61_90": 0, "over_90": 100})
Decimal('0.4')
>>> cei(opening=1000, sales=500, closing=900, closing_current=600)
Decimal('66.66666666666666666666666667')
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from creditpilot.core.aging import OVERDUE_BUCKETS

Month = tuple[int, int]


def previous_month(month: Month) -> Month:
    year, m = month
    return (year - 1, 12) if m == 1 else (year, m - 1)


def days_in_month(month: Month) -> int:
    return calendar.monthrange(*month)[1]


def count_back_dso(
    receivables: int, monthly_sales: Mapping[Month, int], as_of: date
) -> Decimal | None:
    """Days of sales that the receivables represent, walking back month by month.

    The one walk of the product (SPEC §3): from the month of ``as_of`` (its days
    1..D only), while the remainder R exceeds the month's sales, subtract them
    and add the month's days; the month that exhausts R adds ``days × R / sales``.
    A month whose net sales are zero or negative (credit notes exceed invoices)
    adds its days and leaves R unchanged.

    Zero when nothing is owed; ``None`` when the whole sales history does not
    exhaust the receivables (the figure would be meaningless).

    >>> sales = {(2026, 4): 100, (2026, 5): 100, (2026, 6): -50}  # June: credit notes win
    >>> count_back_dso(150, sales, date(2026, 6, 30))  # 30 (R stays 150) + 31 (R = 50) + 30 x 50/100
    Decimal('76')
    """
    remaining = Decimal(receivables)
    if remaining <= 0:
        return Decimal(0)
    earliest = min(monthly_sales) if monthly_sales else (as_of.year, as_of.month)
    month: Month = (as_of.year, as_of.month)
    days = Decimal(0)
    while month >= earliest:
        sales = Decimal(monthly_sales.get(month, 0))
        month_days = as_of.day if month == (as_of.year, as_of.month) else days_in_month(month)
        if sales > 0 and remaining <= sales:
            return days + Decimal(month_days) * remaining / sales
        if sales > 0:
            remaining -= sales
        days += month_days
        month = previous_month(month)
    return None


@dataclass(frozen=True)
class DsoFigures:
    """Count-back DSO, best possible DSO (the same walk over ``not_due``) and ADD, in days."""

    dso: Decimal | None
    best_possible: Decimal | None

    @property
    def add(self) -> Decimal | None:
        if self.dso is None or self.best_possible is None:
            return None
        return self.dso - self.best_possible


def dso_figures(
    buckets: Mapping[str, int], monthly_sales: Mapping[Month, int], as_of: date
) -> DsoFigures:
    """DSO with R = the aged balance's total, best possible DSO with R = ``not_due``.

    >>> sales = {(2026, 5): 8250_00, (2026, 6): 200_00}
    >>> f = dso_figures({"total": 8350_00, "not_due": 5200_00}, sales, date(2026, 6, 30))
    >>> format_days(f.dso), format_days(f.best_possible), format_days(f.add)
    ('60.6', '48.8', '11.8')
    """
    return DsoFigures(
        count_back_dso(buckets["total"], monthly_sales, as_of),
        count_back_dso(buckets["not_due"], monthly_sales, as_of),
    )


def sales_of_last_months(monthly_sales: Mapping[Month, int], as_of: date, months: int = 12) -> int:
    """Sales of the month of ``as_of`` and the ``months - 1`` before it.

    >>> sales_of_last_months({(2025, 6): 5, (2025, 7): 10, (2026, 6): 1}, date(2026, 6, 30))
    11
    """
    month: Month = (as_of.year, as_of.month)
    total = 0
    for _ in range(months):
        total += monthly_sales.get(month, 0)
        month = previous_month(month)
    return total


def format_days(value: Decimal | None) -> str | None:
    """One decimal, half-up, as reports show days."""
    if value is None:
        return None
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def overdue_ratio(buckets: Mapping[str, int]) -> Decimal | None:
    """Overdue debits over all debits (a fraction between 0 and 1)."""
    overdue = sum(buckets[b] for b in OVERDUE_BUCKETS)
    base = overdue + buckets["not_due"]
    if base == 0:
        return None
    return Decimal(overdue) / Decimal(base)


def cei(opening: int, sales: int, closing: int, closing_current: int) -> Decimal | None:
    """Collection effectiveness index, in percent."""
    denominator = opening + sales - closing_current
    if denominator == 0:
        return None
    return Decimal(opening + sales - closing) * 100 / Decimal(denominator)


def format_ratio(value: Decimal | None, places: str = "0.0001") -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))
