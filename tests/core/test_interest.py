"""Late-payment interest and indemnity, computed by hand to the cent (SPEC §3, L441-10)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditpilot.core.interest import (
    RateDecision,
    RateError,
    RateTable,
    days_late,
    late_interest,
    parse_rate,
    recovery_indemnity,
)

# the ECB main refinancing decisions around 2024-2025, as shipped
TABLE = RateTable(
    [
        RateDecision(date(2023, 9, 20), Decimal("4.50")),
        RateDecision(date(2024, 6, 12), Decimal("4.25")),
        RateDecision(date(2024, 9, 18), Decimal("3.65")),
        RateDecision(date(2024, 10, 23), Decimal("3.40")),
        RateDecision(date(2024, 12, 18), Decimal("3.15")),
        RateDecision(date(2025, 2, 5), Decimal("2.90")),
        RateDecision(date(2025, 3, 12), Decimal("2.65")),
        RateDecision(date(2025, 4, 23), Decimal("2.40")),
        RateDecision(date(2025, 6, 11), Decimal("2.15")),
    ]
)


def test_the_rate_of_a_day_is_the_one_in_force_on_the_first_day_of_its_half_year_plus_10():
    # 1 July 2024: 4.25 (decided 12 June); the cuts of September to December wait for 1 January
    assert TABLE.daily_rate(date(2024, 7, 1)) == Decimal("14.25")
    assert TABLE.daily_rate(date(2024, 12, 31)) == Decimal("14.25")
    # 1 January 2025: 3.15 (decided 18 December); February to April cuts wait for 1 July
    assert TABLE.daily_rate(date(2025, 1, 1)) == Decimal("13.15")
    assert TABLE.daily_rate(date(2025, 6, 30)) == Decimal("13.15")
    assert TABLE.daily_rate(date(2025, 7, 1)) == Decimal("12.15")
    assert TABLE.daily_rate(date(2026, 3, 1)) == Decimal("12.15")  # still in force
    assert TABLE.daily_rate(date(2026, 3, 1), Decimal("15")) == Decimal("15")


def test_interest_across_the_new_year_with_a_partial_payment_to_the_cent():
    # 2,500.00 due 15 Dec 2024, 1,000.00 paid 10 Jan 2025, at 31 Jan 2025:
    #   16 Dec-31 Dec: 16 days x 2,500.00 x 14.25 % / 365 = 15.6164
    #    1 Jan- 9 Jan:  9 days x 2,500.00 x 13.15 % / 365 =  8.1062
    #   10 Jan-31 Jan: 22 days x 1,500.00 x 13.15 % / 365 = 11.8890
    #   = 35.6116 -> 35.61
    interest = late_interest(
        250_000, date(2024, 12, 15), [(date(2025, 1, 10), 100_000)], date(2025, 1, 31), TABLE
    )
    assert interest == 35_61


def test_interest_across_the_first_of_july_with_a_partial_payment_to_the_cent():
    # 10,000.00 due 20 June 2025, 4,000.00 paid 5 July, at 31 July:
    # 10 d x 10,000 x 13.15 % + 4 d x 10,000 x 12.15 % + 27 d x 6,000 x 12.15 %, / 365
    # = 36.0274 + 13.3151 + 53.9260 = 103.2685 -> 103.27
    settlements = [(date(2025, 7, 5), 400_000)]
    assert late_interest(1_000_000, date(2025, 6, 20), settlements, date(2025, 7, 31), TABLE) == (
        103_27
    )


def test_a_day_counts_the_open_amount_after_that_days_settlements():
    # 365.00 at 13.15 %: one day is 0.1315; paid in full on the second day late
    one_day = late_interest(36_500, date(2025, 1, 10), [], date(2025, 1, 11), TABLE)
    assert one_day == 13  # 0.1315 -> 0.13
    paid = [(date(2025, 1, 12), 36_500)]
    assert late_interest(36_500, date(2025, 1, 10), paid, date(2025, 3, 1), TABLE) == 13


def test_nothing_is_owed_on_the_due_date_or_before_and_payments_before_it_count_in_full():
    assert late_interest(100_000, date(2025, 3, 1), [], date(2025, 3, 1), TABLE) == 0
    assert late_interest(100_000, date(2025, 3, 1), [], date(2025, 2, 1), TABLE) == 0
    early = [(date(2025, 2, 15), 60_000)]
    # 400.00 over 10 days at 13.15 %: 1.4411 -> 1.44
    assert late_interest(100_000, date(2025, 3, 1), early, date(2025, 3, 11), TABLE) == 1_44


def test_settlements_after_the_as_of_date_do_not_exist_yet():
    later = [(date(2025, 4, 1), 100_000)]
    at_march = late_interest(100_000, date(2025, 3, 1), later, date(2025, 3, 11), TABLE)
    assert at_march == late_interest(100_000, date(2025, 3, 1), [], date(2025, 3, 11), TABLE)


def test_a_leap_year_still_divides_by_365():
    table = RateTable([RateDecision(date(2023, 9, 20), Decimal("4.50"))])
    # 29 Feb 2024 is a day like any other: 3,650.00 x 14.5 % x 2 / 365 = 2.90
    assert late_interest(365_000, date(2024, 2, 27), [], date(2024, 2, 29), table) == 2_90


def test_half_a_cent_rounds_up_once_per_invoice():
    # 1 day of 3,650.00 at 12.5 % = 1.25 exactly; at 12.3 % 1.23; 0.005 rounds to 0.01
    table = RateTable([RateDecision(date(2020, 1, 1), Decimal("0"))])
    assert (
        late_interest(365_000, date(2025, 1, 1), [], date(2025, 1, 2), table, Decimal("12.5"))
        == 125
    )
    # 36.50 x 5 % / 365 = 0.005 -> 0.01
    assert late_interest(3_650, date(2025, 1, 1), [], date(2025, 1, 2), table, Decimal("5")) == 1


def test_a_day_before_the_first_known_rate_is_refused():
    with pytest.raises(RateError) as err:
        TABLE.daily_rate(date(2020, 1, 1))
    assert err.value.code == "no_rate"


@pytest.mark.parametrize("bad", ["", "x", "1.00001", "101", "NaN", "Infinity"])
def test_bad_rates_are_refused(bad):
    with pytest.raises(RateError):
        parse_rate(bad)


def test_the_indemnity_is_owed_per_invoice_paid_late_or_unpaid_past_due():
    due = date(2025, 3, 1)
    assert recovery_indemnity(due, date(2025, 3, 2)) == 40_00
    assert recovery_indemnity(due, date(2025, 3, 1)) == 0
    assert recovery_indemnity(due, date(2025, 5, 1), settled_on=date(2025, 3, 1)) == 0
    assert recovery_indemnity(due, date(2025, 5, 1), settled_on=date(2025, 3, 5)) == 40_00
    assert recovery_indemnity(due, date(2025, 5, 1), is_business=False) == 0
    assert days_late(due, date(2025, 5, 1)) == 61


def naive_interest(amount, due, settlements, as_of, table, contractual):
    """The definition itself: each day, its open amount times its rate, summed, rounded once."""
    total = Fraction(0)
    day = due + timedelta(days=1)
    while day <= as_of:
        open_cents = amount - sum(c for d, c in settlements if d <= day)
        rate = Fraction(table.daily_rate(day, contractual))
        total += Fraction(open_cents) * rate / 100 / 365
        day += timedelta(days=1)
    whole = int(total)
    return whole + (1 if total - whole >= Fraction(1, 2) else 0)


@settings(max_examples=150, deadline=None)
@given(
    amount=st.integers(1, 10_000_000),
    due=st.dates(date(2024, 1, 1), date(2025, 12, 31)),
    span=st.integers(0, 500),
    payments=st.lists(st.tuples(st.integers(-40, 520), st.integers(1, 100)), max_size=4),
    contractual=st.sampled_from([None, Decimal("15"), Decimal("11.2575")]),
)
def test_the_interest_is_the_day_by_day_sum_of_the_definition(
    amount, due, span, payments, contractual
):
    as_of = due + timedelta(days=span)
    settlements, left = [], amount
    for offset, percent in payments:
        cents = min(left, amount * percent // 100)
        left -= cents
        settlements.append((due + timedelta(days=offset), cents))
    got = late_interest(amount, due, settlements, as_of, TABLE, contractual)
    assert got == naive_interest(amount, due, settlements, as_of, TABLE, contractual)
