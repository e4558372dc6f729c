"""Customers' payment terms through time (SPEC §3 "Due date").

A customer's terms are a history of steps, each in force from a date: an
invoice's derived due date uses the step in force at the invoice's date. The
first terms a customer is given apply from the start, so the order in which
customers and FECs are imported never matters; a later change applies from its
effective date (by default the day of the change), never to invoices already
issued. ``record_terms`` writes the history and says which customers' terms
changed, so that only their ledger is rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import F

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer, CustomerTerms


@dataclass(frozen=True)
class TermsChange:
    """Terms given to a customer (``terms`` empty = the company's default), maybe dated."""

    customer_id: int
    terms: str
    effective_from: date | None = None  # None: from the start if first, else from today


def _in_force(steps: list[tuple[date | None, str]], day: date | None) -> str | None:
    """Terms of the last step on or before ``day`` (None: latest step); None when no step."""
    found = None
    for start, terms in steps:
        if day is None or start is None or start <= day:
            found = terms
    return found


def record_terms(
    company: Company, changes: Iterable[TermsChange], *, today: date, user: str = "cli"
) -> set[int]:
    """Write the terms history of ``changes``; return the customers whose history changed.

    Call inside the caller's transaction. ``Customer.payment_terms`` of each
    changed customer becomes its latest step's terms.
    """
    changes = list(changes)
    if not changes:
        return set()
    steps: dict[int, list[tuple[date | None, str]]] = {}
    for cid, start, terms in (
        CustomerTerms.objects.filter(
            company=company, customer_id__in={c.customer_id for c in changes}
        )
        .order_by("customer_id", F("effective_from").asc(nulls_first=True))
        .values_list("customer_id", "effective_from", "terms")
    ):
        steps.setdefault(cid, []).append((start, terms))
    new: dict[tuple[int, date | None], str] = {}
    replaced: dict[tuple[int, date | None], str] = {}
    for change in changes:
        history = steps.setdefault(change.customer_id, [])
        writes, start = _step_of(history, change, today)
        if not writes:
            continue
        key = (change.customer_id, start)
        if any(s[0] == start for s in history) and key not in new:
            replaced[key] = change.terms
        else:
            new[key] = change.terms
        history[:] = sorted(
            [s for s in history if s[0] != start] + [(start, change.terms)],
            key=lambda s: s[0] or date.min,
        )
    _write_steps(company, new, replaced, user)
    changed = {cid for cid, _ in [*new, *replaced]}
    by_terms: dict[str, list[int]] = {}
    for cid in changed:
        by_terms.setdefault(steps[cid][-1][1], []).append(cid)
    for terms, ids in by_terms.items():
        Customer.objects.filter(pk__in=ids).update(payment_terms=terms)
    return changed


def _write_steps(
    company: Company,
    new: dict[tuple[int, date | None], str],
    replaced: dict[tuple[int, date | None], str],
    user: str,
) -> None:
    CustomerTerms.objects.bulk_create(
        [
            CustomerTerms(
                company=company, customer_id=cid, effective_from=start, terms=terms, created_by=user
            )
            for (cid, start), terms in new.items()
        ],
        batch_size=2000,
    )
    for (cid, start), terms in replaced.items():
        CustomerTerms.objects.filter(company=company, customer_id=cid, effective_from=start).update(
            terms=terms, created_by=user
        )


def _step_of(
    history: list[tuple[date | None, str]], change: TermsChange, today: date
) -> tuple[bool, date | None]:
    """Whether ``change`` writes a step, and its date (None = from the start)."""
    if change.effective_from is not None:
        in_force = _in_force(history, change.effective_from)
        same = in_force == change.terms if in_force is not None else change.terms == ""
        return not same, change.effective_from
    if not history:  # the first terms a customer is given apply from the start
        return change.terms != "", None
    return history[-1][1] != change.terms, today
