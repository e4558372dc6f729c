"""Count-back DSO, best possible DSO, CEI and overdue ratio, table-driven (SPEC §3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditpilot.core.kpis import cei, count_back_dso, dso_figures, format_days, overdue_ratio


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
        # net sales zero or negative (credit notes exceed invoices): the month adds its days
        # and leaves R unchanged. June 20 days: R 300 - 50 = 250; May 31: R = 100;
        # April (-100) 30 days, R stays 100; March: 31 x 100/200 = 15.5 -> 20 + 31 + 30 + 15.5
        (
            300_00,
            {(2026, 3): 200_00, (2026, 4): -100_00, (2026, 5): 150_00, (2026, 6): 50_00},
            date(2026, 6, 20),
            "96.5",
        ),
        # the month of the as-of date negative: 10 days, R stays 50; May 31 x 50/100
        (50_00, {(2026, 5): 100_00, (2026, 6): -20_00}, date(2026, 6, 10), "25.5"),
        # a zero month in the middle: 30 + 31 + 30 x 50/100
        (150_00, {(2026, 4): 100_00, (2026, 5): 0, (2026, 6): 100_00}, date(2026, 6, 30), "76.0"),
        (0, {(2026, 6): 100_00}, date(2026, 6, 30), "0.0"),
        (-10_00, {(2026, 6): 100_00}, date(2026, 6, 30), "0.0"),
    ],
)
def test_count_back_dso(receivables, sales, as_of, dso):
    assert format_days(count_back_dso(receivables, sales, as_of)) == dso


def test_dso_is_unknown_when_history_does_not_cover_the_receivables():
    assert count_back_dso(500_00, {(2026, 6): 100_00}, date(2026, 6, 30)) is None
    # negative months never exhaust R: the history ends first
    assert count_back_dso(50_00, {(2026, 5): -10_00, (2026, 6): -5_00}, date(2026, 6, 30)) is None
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


@pytest.mark.parametrize(
    ("buckets", "sales", "as_of", "dso", "best", "add"),
    [
        # the hand case above; best possible walks R = not_due 120: June R = 70, 20 days;
        # May 31 x 70/150 = 14.4666... -> 34.4666... ; ADD 96.5 - 34.4666... = 62.0333...
        (
            {"total": 300_00, "not_due": 120_00},
            {(2026, 3): 200_00, (2026, 4): -100_00, (2026, 5): 150_00, (2026, 6): 50_00},
            date(2026, 6, 20),
            "96.5",
            "34.5",
            "62.0",
        ),
        # not_due reaches past a negative month too: June -20 (10 days), May 31 x 60/100
        (
            {"total": 90_00, "not_due": 60_00},
            {(2026, 5): 100_00, (2026, 6): -20_00},
            date(2026, 6, 10),
            "37.9",  # 10 + 31 x 90/100 = 37.9
            "28.6",  # 10 + 18.6
            "9.3",
        ),
        # nothing due yet: best possible 0, ADD = DSO
        (
            {"total": 50_00, "not_due": 0},
            {(2026, 6): 100_00},
            date(2026, 6, 10),
            "5.0",
            "0.0",
            "5.0",
        ),
        # history too short for the total: DSO and ADD unknown, best possible known
        (
            {"total": 500_00, "not_due": 50_00},
            {(2026, 6): 100_00},
            date(2026, 6, 30),
            None,
            "15.0",
            None,
        ),
    ],
)
def test_dso_best_possible_and_add(buckets, sales, as_of, dso, best, add):
    figures = dso_figures(buckets, sales, as_of)
    assert format_days(figures.dso) == dso
    assert format_days(figures.best_possible) == best
    assert format_days(figures.add) == add
