"""The aged balance (balance âgée) at a date (SPEC §3).

Debits' open amounts go by days past due into ``not_due`` (<= 0), ``1_30``,
``31_60``, ``61_90`` and ``over_90``; credits not allocated go, negative, to
``unapplied``. The buckets and ``unapplied`` add up to the net balance.

>>> from datetime import date
>>> from creditpilot.core.ledger import Item, Allocation
>>> items = [
...     Item("F1", "ACME", date(2026, 1, 10), date(2026, 2, 9), 120000),
...     Item("F2", "ACME", date(2026, 3, 1), date(2026, 3, 31), 30000),
...     Item("P1", "ACME", date(2026, 3, 5), date(2026, 3, 5), -80000),
... ]
>>> allocs = [Allocation("F1", "P1", 50000, "amount", date(2026, 3, 5))]
>>> aged = age(items, allocs, date(2026, 3, 31))
>>> aged.total.as_json()["buckets"]
{'not_due': '300.00', '1_30': '0.00', '31_60': '700.00', '61_90': '0.00', 'over_90': '0.00', 'unapplied': '-300.00'}
>>> aged.total.total
70000
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from creditpilot.core.ledger import Allocation, Item, open_amounts
from creditpilot.core.money import format_cents

# The one statement of the bucket rule (SPEC §3): each bucket but the last with the
# greatest number of days past due it holds; ``over_90`` holds the rest. The SQL of
# ``reports.aging`` and the polars expressions are generated from these bounds.
BUCKET_LIMITS: tuple[tuple[str, int], ...] = (
    ("not_due", 0),
    ("1_30", 30),
    ("31_60", 60),
    ("61_90", 90),
)
LAST_BUCKET = "over_90"
BUCKETS = (*(name for name, _ in BUCKET_LIMITS), LAST_BUCKET)
ALL_BUCKETS = (*BUCKETS, "unapplied")
OVERDUE_BUCKETS = BUCKETS[1:]


def bucket_of(days_past_due: int) -> str:
    """
    >>> [bucket_of(d) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91)]
    ['not_due', 'not_due', '1_30', '1_30', '31_60', '31_60', '61_90', '61_90', 'over_90']
    """
    for name, limit in BUCKET_LIMITS:
        if days_past_due <= limit:
            return name
    return LAST_BUCKET


def due_date_bounds(as_of: date) -> list[tuple[str, date]]:
    """The bucket rule as due dates at ``as_of``: the first bucket whose date a due date
    reaches (due >= bound) is its bucket; earlier due dates are ``over_90``.

    Days past due <= limit is due >= as_of - limit, so a query compares due dates with
    these few dates instead of computing days for every row.

    >>> [(b, d.isoformat()) for b, d in due_date_bounds(date(2026, 6, 30))]
    [('not_due', '2026-06-30'), ('1_30', '2026-05-31'), ('31_60', '2026-05-01'), ('61_90', '2026-04-01')]
    """
    return [(name, as_of - timedelta(days=limit)) for name, limit in BUCKET_LIMITS]


def days_past_due(as_of: date, due_date: date) -> int:
    """Calendar days from the due date to ``as_of`` (negative before the due date)."""
    return (as_of - due_date).days


@dataclass
class Buckets:
    """Amounts in cents by bucket."""

    cents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALL_BUCKETS, 0))

    @property
    def total(self) -> int:
        return sum(self.cents.values())

    @property
    def overdue(self) -> int:
        return sum(self.cents[b] for b in OVERDUE_BUCKETS)

    def add(self, bucket: str, cents: int) -> None:
        self.cents[bucket] += cents

    def merge(self, other: Buckets) -> None:
        for bucket, cents in other.cents.items():
            self.cents[bucket] += cents

    def as_json(self) -> dict[str, object]:
        return {
            "total": format_cents(self.total),
            "buckets": {b: format_cents(self.cents[b]) for b in ALL_BUCKETS},
        }


@dataclass
class AgedBalance:
    as_of: date
    total: Buckets
    customers: dict[str, Buckets]


def age(items: Iterable[Item], allocations: Iterable[Allocation], as_of: date) -> AgedBalance:
    """Reference implementation of the aged balance over plain items."""
    items = list(items)
    remaining = open_amounts(items, allocations, as_of)
    by_id = {item.id: item for item in items}
    total = Buckets()
    customers: dict[str, Buckets] = {}
    for item_id, amount in remaining.items():
        if amount == 0:
            continue
        item = by_id[item_id]
        bucket = bucket_of(days_past_due(as_of, item.due_date)) if item.amount > 0 else "unapplied"
        customers.setdefault(item.customer, Buckets()).add(bucket, amount)
        total.add(bucket, amount)
    return AgedBalance(as_of, total, customers)
