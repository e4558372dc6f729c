"""Due dates for every kind of terms, business days, and the legal caps (SPEC C4, §3)."""

from __future__ import annotations

from datetime import date

import pytest

from creditpilot.core.calendar import BusinessCalendar
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.terms import due_date, is_beyond_legal_cap, parse_terms


@pytest.mark.parametrize(
    ("terms", "invoice", "due"),
    [
        ("NET30", date(2026, 1, 31), date(2026, 3, 2)),
        ("NET30", date(2024, 2, 15), date(2024, 3, 16)),  # leap year
        ("NET60", date(2026, 11, 15), date(2027, 1, 14)),
        ("EOM45", date(2026, 1, 20), date(2026, 3, 31)),  # 01-20 + 45 = 03-06, end of March
        ("EOM45", date(2026, 1, 1), date(2026, 2, 28)),  # 02-15 -> end of February
        ("EOM45", date(2026, 12, 20), date(2027, 2, 28)),
        ("45EOM", date(2026, 1, 20), date(2026, 3, 17)),  # 01-31 + 45
        ("45EOM", date(2026, 2, 3), date(2026, 4, 14)),  # 02-28 + 45
        ("RECEIPT", date(2026, 5, 5), date(2026, 5, 5)),
        ("PREPAID", date(2026, 5, 5), date(2026, 5, 5)),
        ("EOM", date(2026, 5, 5), date(2026, 5, 31)),
    ],
)
def test_due_dates(terms, invoice, due):
    assert due_date(invoice, parse_terms(terms)) == due


def test_due_date_moves_to_the_next_french_business_day_when_asked():
    cal = BusinessCalendar.france()
    # NET30 from 2026-04-01 is Friday 2026-05-01, Labour Day: moved to Monday 05-04
    assert due_date(date(2026, 4, 1), parse_terms("NET30")) == date(2026, 5, 1)
    assert due_date(date(2026, 4, 1), parse_terms("NET30"), cal) == date(2026, 5, 4)
    # 2026-07-14 (Tuesday, national day) -> 07-15
    assert due_date(date(2026, 6, 14), parse_terms("NET30"), cal) == date(2026, 7, 15)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("NET30", "NET30"),
        ("net 45", "NET45"),
        ("30 jours", "NET30"),
        ("60J", "NET60"),
        ("45 jours fin de mois", "EOM45"),
        ("EOM45", "EOM45"),
        ("45EOM", "45EOM"),
        ("fin de mois + 45", "45EOM"),
        ("FDM+45J", "45EOM"),
        ("comptant", "RECEIPT"),
        ("à réception", "RECEIPT"),
        ("acompte", "PREPAID"),
        ("NET30/2%10", "NET30/2%10"),
    ],
)
def test_terms_wordings(text, code):
    assert parse_terms(text).code == code


@pytest.mark.parametrize("text", ["", "soon", "NET", "NET400", "99 bottles"])
def test_it_rejects_unknown_terms(text):
    with pytest.raises(InvalidInputError) as raised:
        parse_terms(text)
    assert raised.value.code == "bad_terms"


@pytest.mark.parametrize(
    ("terms", "beyond"),
    [
        ("NET60", False),
        ("NET61", True),
        ("NET90", True),
        ("EOM45", False),
        ("EOM46", True),
        ("45EOM", False),
        ("60EOM", True),
        ("RECEIPT", False),
    ],
)
def test_terms_beyond_the_legal_caps_are_flagged(terms, beyond):
    assert parse_terms(terms).exceeds_legal_cap is beyond


def test_a_due_date_beyond_both_caps_is_flagged():
    invoice = date(2026, 1, 20)
    assert not is_beyond_legal_cap(invoice, date(2026, 3, 21))  # +60 days
    assert not is_beyond_legal_cap(invoice, date(2026, 3, 31))  # 45 days end of month
    assert is_beyond_legal_cap(invoice, date(2026, 4, 1))
