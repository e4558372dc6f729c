"""Count-back DSO, best possible DSO, CEI and overdue ratio, table-driven (SPEC §3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditpilot.core.kpis import cei, count_back_dso, format_days, overdue_ratio


@pytest.mark.parametrize(
    ("receivables", "sales", "as_of", "dso"),
    [
        # the month of the as-of date counts its days 1..D only
        (50_00, {(2026, 6): 100_00}, date(2026, 6, 10), "5.0"),
        # exhausts in May: 30 + 31 * 50/100
        (150_00, {(2026, 5): 100_00, (2026, 6): 100_00}, date(2026, 6, 30), "45.5"),
        # February of a leap year
        (150_00, {(2024, 2): 100_00, (2024, 3): 100_00}, date(2024, 3, 31), "45.5"),
        (
            150_00,
            {(2024, 1): 100_00, (2024, 2): 40_00, (2024, 3): 100_00},
            date(2024, 3, 31),
            "63.1",
        ),  # 31 + 29 + 31 * 10/100
        # a month without sales adds its days and goes on
        (
            150_00,
            {(2026, 4): 100_00, (2026, 6): 100_00},
            date(2026, 6, 30),
            "76.0",
        ),  # 30 + 31 + 30 * 50/100
        (0, {(2026, 6): 100_00}, date(2026, 6, 30), "0.0"),
        (-10_00, {(2026, 6): 100_00}, date(2026, 6, 30), "0.0"),
    ],
)
def test_count_back_dso(receivables, sales, as_of, dso):
    assert format_days(count_back_dso(receivables, sales, as_of)) == dso


def test_dso_is_unknown_when_history_does_not_cover_the_receivables():
    assert count_back_dso(500_00, {(2026, 6): 100_00}, date(2026, 6, 30)) is None
    assert format_days(None) is None


def test_dso_rounds_half_up_to_one_decimal():
    # 31 * 5/200 = 0.775 -> 30 + 0.775 = 30.775 -> 30.8
    sales = {(2026, 5): 200_00, (2026, 6): 100_00}
    assert format_days(count_back_dso(105_00, sales, date(2026, 6, 30))) == "30.8"


def test_overdue_ratio_and_cei():
    buckets = {"not_due": 600, "1_30": 200, "31_60": 100, "61_90": 0, "over_90": 100}
    assert overdue_ratio(buckets) == Decimal("0.4")
    assert overdue_ratio(dict.fromkeys(buckets, 0)) is None
    assert (
        cei(opening=1000, sales=500, closing=900, closing_current=600) == Decimal(600) * 100 / 900
    )
    assert cei(0, 0, 0, 0) is None
