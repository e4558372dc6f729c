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
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

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

    Zero when nothing is owed; ``None`` when the whole sales history does not
    exhaust the receivables (the figure would be meaningless).
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
        if remaining > sales:
            remaining -= sales
            days += month_days
        else:
            return days + Decimal(month_days) * remaining / sales
        month = previous_month(month)
    return None


def format_days(value: Decimal | None) -> str | None:
    """One decimal, half-up, as reports show days."""
    if value is None:
        return None
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def overdue_ratio(buckets: Mapping[str, int]) -> Decimal | None:
    """Overdue debits over all debits (a fraction between 0 and 1)."""
    overdue = sum(buckets[b] for b in ("1_30", "31_60", "61_90", "over_90"))
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
