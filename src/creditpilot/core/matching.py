"""Allocation of credits to debits: lettering first, then the matcher (SPEC C1, §3).

1. Lines of one customer that share a lettering code settle each other; in a
   group, credits settle the oldest debits first.
2. Credits without lettering go to the matcher: a debit's reference found in
   the credit's label or piece reference; then a debit whose open amount is
   exactly the credit's; then the oldest open debits of the customer.
3. What is left of a credit is unapplied cash.

Allocations fixed beforehand (by hand, or given by an invoices import) are
taken first and never changed.

>>> from datetime import date
>>> d = date(2026, 1, 1)
>>> items = [
...     Item(1, "C", date(2026, 1, 5), d, 10000, reference="FA-001"),
...     Item(2, "C", date(2026, 1, 9), d, 25000, reference="FA-002"),
...     Item(3, "C", date(2026, 1, 20), d, 30000, reference="FA-003"),
...     Item(4, "C", date(2026, 2, 1), d, -25000, label="VIR ACME FA-002"),
...     Item(5, "C", date(2026, 2, 2), d, -30000),
...     Item(6, "C", date(2026, 2, 3), d, -4000),
... ]
>>> [(a.invoice, a.credit, a.amount, a.method) for a in allocate(items)]
[(2, 4, 25000, 'reference'), (3, 5, 30000, 'amount'), (1, 6, 4000, 'oldest')]
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from creditpilot.core.ledger import Allocation, Item, ItemId

_SPLIT = re.compile(r"[\s,;:()\[\]{}#'\"*+=<>!?|]+")


def tokens(*texts: str) -> frozenset[str]:
    """Words of a label that could be a document reference, upper case.

    >>> sorted(tokens("Règlement fact. FA-2024/0012, FA2024-0013", "-"))
    ['FA-2024/0012', 'FA2024-0013', 'FACT', 'RÈGLEMENT']
    """
    found: set[str] = set()
    for text in texts:
        for word in _SPLIT.split(text.upper()):
            word = word.strip(".-/_")
            if word:
                found.add(word)
    return frozenset(found)


def is_reference(ref: str) -> bool:
    """A piece reference specific enough to be looked for in labels (has a digit, 3+ chars)."""
    return len(ref) >= 3 and any(ch.isdigit() for ch in ref)


def ledger_order(item: Item) -> tuple[date, date, ItemId]:
    # ids of one ledger are all ints (store) or all strings (tests); ties go to file order
    return (item.date, item.due_date, item.id)


def fifo(
    debits: Sequence[Item],
    credits: Sequence[Item],
    remaining: dict[ItemId, int],
    method: str,
) -> list[Allocation]:
    """Credits, oldest first, settle the oldest debits first."""
    out: list[Allocation] = []
    di = 0
    debits = [d for d in debits if remaining[d.id] > 0]
    for credit in credits:
        left = -remaining[credit.id]
        while left > 0 and di < len(debits):
            debit = debits[di]
            open_ = remaining[debit.id]
            if open_ <= 0:
                di += 1
                continue
            take = min(left, open_)
            out.append(Allocation(debit.id, credit.id, take, method, max(debit.date, credit.date)))
            remaining[debit.id] = open_ - take
            left -= take
            if open_ == take:
                di += 1
        remaining[credit.id] = -left
    return out


def allocate(items: Iterable[Item], fixed: Iterable[Allocation] = ()) -> list[Allocation]:
    """All allocations of a ledger: ``fixed`` ones first, then lettering, then the matcher."""
    by_customer: dict[str, list[Item]] = defaultdict(list)
    remaining: dict[ItemId, int] = {}
    for item in items:
        if item.amount == 0:
            continue
        by_customer[item.customer].append(item)
        remaining[item.id] = item.amount
    result: list[Allocation] = []
    for a in fixed:
        if a.invoice in remaining and a.credit in remaining:
            remaining[a.invoice] -= a.amount
            remaining[a.credit] += a.amount
            result.append(a)
    for customer_items in by_customer.values():
        result.extend(allocate_customer(customer_items, remaining))
    return result


def allocate_customer(items: list[Item], remaining: dict[ItemId, int]) -> list[Allocation]:
    """Lettering groups, then the matcher, for the items of one customer."""
    items.sort(key=ledger_order)
    out: list[Allocation] = []
    groups: dict[str, tuple[list[Item], list[Item]]] = {}
    for item in items:
        if item.lettering:
            debits, credits = groups.setdefault(item.lettering, ([], []))
            (debits if item.amount > 0 else credits).append(item)
    for debits, credits in groups.values():
        if debits and credits:
            out.extend(fifo(debits, credits, remaining, "lettering"))
    out.extend(match_unlettered(items, remaining))
    return out


def match_unlettered(items: list[Item], remaining: dict[ItemId, int]) -> list[Allocation]:
    """The matcher, for one customer whose lettering is done: reference, exact amount, oldest.

    ``items`` are in ledger order; ``remaining`` holds what is left of each.
    """
    credits = [i for i in items if i.amount < 0 and not i.lettering and remaining[i.id] < 0]
    if not credits:
        return []
    debits = [i for i in items if i.amount > 0 and remaining[i.id] > 0]
    if not debits:
        return []
    out = _match_reference(debits, credits, remaining)
    out.extend(_match_amount(debits, credits, remaining))
    credits = [c for c in credits if remaining[c.id] < 0]
    out.extend(fifo(debits, credits, remaining, "oldest"))
    return out


def _match_reference(
    debits: list[Item], credits: list[Item], remaining: dict[ItemId, int]
) -> list[Allocation]:
    by_ref: dict[str, list[Item]] = defaultdict(list)
    for debit in debits:
        ref = debit.reference.strip().upper()
        if is_reference(ref):
            by_ref[ref].append(debit)
    if not by_ref:
        return []
    out: list[Allocation] = []
    for credit in credits:
        words = credit.tokens or tokens(credit.label, credit.reference)
        targets = sorted(
            {d.id: d for w in words for d in by_ref.get(w, ())}.values(), key=ledger_order
        )
        if targets:
            out.extend(fifo(targets, [credit], remaining, "reference"))
    return out


def _match_amount(
    debits: list[Item], credits: list[Item], remaining: dict[ItemId, int]
) -> list[Allocation]:
    by_amount: dict[int, list[Item]] = defaultdict(list)
    for debit in debits:  # already oldest first
        if remaining[debit.id] > 0:
            by_amount[remaining[debit.id]].append(debit)
    out: list[Allocation] = []
    for credit in credits:
        amount = -remaining[credit.id]
        if amount <= 0:
            continue
        for debit in by_amount.get(amount, ()):
            if remaining[debit.id] == amount:
                out.append(
                    Allocation(debit.id, credit.id, amount, "amount", max(debit.date, credit.date))
                )
                remaining[debit.id] = 0
                remaining[credit.id] = 0
                break
    return out
