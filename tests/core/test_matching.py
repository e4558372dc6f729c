"""Allocation invariants: never more than a credit holds or a debit owes; lettering first."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from creditpilot.core.aging import age
from creditpilot.core.ledger import Item
from creditpilot.core.matching import allocate

START = date(2026, 1, 1)

item = st.tuples(
    st.sampled_from(["A", "B"]),
    st.integers(0, 120),
    st.integers(-300_00, 300_00).filter(lambda a: a != 0),
    st.sampled_from([None, None, "L1", "L2"]),
    st.booleans(),
)


def build(rows):
    items = []
    for n, (customer, offset, amount, letter, quote) in enumerate(rows):
        day = START + timedelta(days=offset)
        label = f"VIR F{n - 1}" if quote else "VIR"
        items.append(
            Item(n, customer, day, day + timedelta(days=30), amount, letter, f"F{n}", label)
        )
    return items


@given(st.lists(item, max_size=40))
def test_allocations_never_exceed_what_a_credit_holds_or_a_debit_owes(rows):
    items = build(rows)
    by_id = {i.id: i for i in items}
    taken = defaultdict(int)
    for a in allocate(items):
        assert a.amount > 0
        inv, cred = by_id[a.invoice], by_id[a.credit]
        assert inv.amount > 0 > cred.amount
        assert inv.customer == cred.customer
        assert a.date == max(inv.date, cred.date)
        taken[a.invoice] += a.amount
        taken[a.credit] += a.amount
    for item_id, amount in taken.items():
        assert amount <= abs(by_id[item_id].amount)


@given(st.lists(item, max_size=40), st.integers(0, 200))
def test_buckets_sum_to_the_net_balance(rows, offset):
    items = build(rows)
    as_of = START + timedelta(days=offset)
    aged = age(items, allocate(items), as_of)
    assert aged.total.total == sum(i.amount for i in items if i.date <= as_of)


def test_lettering_beats_the_matcher():
    d = date(2026, 1, 1)
    items = [
        Item(1, "C", d, d, 100, None, "F1"),
        Item(2, "C", d + timedelta(1), d, 100, "X", "F2"),
        Item(3, "C", d + timedelta(2), d, -100, "X", "", "VIR F1"),  # quotes F1, lettered with F2
    ]
    assert [(a.invoice, a.method) for a in allocate(items)] == [(2, "lettering")]


def test_in_a_lettering_group_credits_settle_the_oldest_debits_first():
    d = date(2026, 1, 1)
    items = [
        Item(1, "C", d + timedelta(5), d, 300, "A"),
        Item(2, "C", d, d, 200, "A"),
        Item(3, "C", d + timedelta(9), d, -250, "A"),
        Item(4, "C", d + timedelta(10), d, -250, "A"),
    ]
    assert [(a.invoice, a.credit, a.amount) for a in allocate(items)] == [
        (2, 3, 200),
        (1, 3, 50),
        (1, 4, 250),
    ]


def test_what_is_left_of_a_credit_stays_unapplied():
    d = date(2026, 1, 1)
    items = [Item(1, "C", d, d, 100), Item(2, "C", d, d, -250)]
    aged = age(items, allocate(items), d)
    assert aged.total.cents["unapplied"] == -150
