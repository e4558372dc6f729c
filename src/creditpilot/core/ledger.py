"""The customer ledger: open items, allocations and open amounts at a date (SPEC §3).

An *item* is a document of a customer account: a debit (an invoice, or any
other charge) with a positive amount, or a credit (a payment, a credit note)
with a negative amount, all in integer cents. An *allocation* says which
credit settles which debit, and by how much. A document dated after the
as-of date does not exist at that date, and neither does an allocation that
involves one.

>>> from datetime import date
>>> inv = Item("F1", "ACME", date(2026, 1, 10), date(2026, 2, 9), 120000)
>>> pay = Item("P1", "ACME", date(2026, 2, 20), date(2026, 2, 20), -50000)
>>> alloc = Allocation("F1", "P1", 50000, "reference", date(2026, 2, 20))
>>> open_amounts([inv, pay], [alloc], date(2026, 2, 1))
{'F1': 120000}
>>> open_amounts([inv, pay], [alloc], date(2026, 3, 1))
{'F1': 70000, 'P1': 0}
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

ItemId = int | str


@dataclass(frozen=True, slots=True)
class Item:
    id: ItemId
    customer: str
    date: dt.date
    due_date: dt.date
    amount: int  # cents; > 0 debit (invoice), < 0 credit (payment, credit note)
    lettering: str | None = None
    reference: str = ""
    label: str = ""
    is_sale: bool = False
    tokens: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def is_debit(self) -> bool:
        return self.amount > 0


@dataclass(frozen=True, slots=True)
class Allocation:
    invoice: ItemId
    credit: ItemId
    amount: int  # cents, always > 0
    method: str  # lettering | reference | amount | oldest | import | manual
    date: dt.date  # the later of the two documents' dates: when the settlement exists


def open_amounts(
    items: Iterable[Item], allocations: Iterable[Allocation], as_of: date
) -> dict[ItemId, int]:
    """Open amount of every debit and credit dated on or before ``as_of`` (credits negative)."""
    existing = {item.id: item for item in items if item.date <= as_of}
    remaining = {item_id: item.amount for item_id, item in existing.items()}
    for a in allocations:
        if a.invoice in existing and a.credit in existing:
            remaining[a.invoice] -= a.amount
            remaining[a.credit] += a.amount
    return remaining


def open_items(
    items: Sequence[Item], allocations: Iterable[Allocation], as_of: date
) -> list[tuple[Item, int]]:
    """Items with a non-zero open amount at ``as_of``, oldest first."""
    remaining = open_amounts(items, allocations, as_of)
    by_id = {item.id: item for item in items}
    rows = [(by_id[i], amount) for i, amount in remaining.items() if amount != 0]
    rows.sort(key=lambda row: (row[0].date, row[0].id))
    return rows


def balance_by_customer(items: Iterable[Item], as_of: date) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for item in items:
        if item.date <= as_of:
            totals[item.customer] += item.amount
    return dict(totals)
