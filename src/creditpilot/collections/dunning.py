"""The day's dunning actions of a company, decided by the core over the store's state, set-based.

One read of the open debits due by the horizon of the earliest step (with each
customer's segment and rating, and the import's dispute flag), one read each
of the open disputes, the promises pausing items, the do-not-dun customers and
the steps already sent; then ``core.dunning.due_actions`` over plain values.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
from django.db.models import Q

from creditpilot.collections.frames import query_frame, sql_day
from creditpilot.collections.models import (
    CustomerProfile,
    Dispute,
    DoNotDun,
    Promise,
    StepSent,
)
from creditpilot.collections.services import IMPORT_USER
from creditpilot.collections.strategies import company_strategies
from creditpilot.companies.models import Company
from creditpilot.core.dunning import Action, CustomerCase, DueItem, choose_strategy, due_actions
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document

DOC = Document._meta.db_table
ALLOC = Allocation._meta.db_table
CUSTOMER = Customer._meta.db_table


@dataclass(frozen=True)
class DunningPlan:
    as_of: date
    actions: list[Action]

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "actions": [
                {
                    "customer": a.customer,
                    "step": a.step.key,
                    "channel": a.step.channel,
                    "items": a.numbers,
                    "amount": format_cents(a.amount),
                    "needs_approval": a.needs_approval,
                }
                for a in self.actions
            ],
        }


def plan_json(plan: DunningPlan) -> str:
    return json.dumps(plan.as_json(), ensure_ascii=False, indent=2) + "\n"


def _open_debits(company_id: int, as_of: date, latest_due: date) -> pl.DataFrame:
    """Debits open at ``as_of`` due on or before ``latest_due``, with their customer's profile."""
    sql = (
        f"SELECT d.id, d.customer_id, c.code, c.segment, c.rating, d.number, "
        f"{sql_day('d.due_date')}, d.amount - COALESCE(s.settled, 0), "
        f"CASE WHEN d.disputed THEN 1 ELSE 0 END "
        f"FROM {DOC} d JOIN {CUSTOMER} c ON c.id = d.customer_id "
        f"LEFT JOIN (SELECT invoice_id, SUM(amount) AS settled FROM {ALLOC} "
        f"  WHERE company_id = %s AND date <= %s AND due_date <= %s GROUP BY invoice_id) s "
        f"ON s.invoice_id = d.id "
        f"WHERE d.company_id = %s AND d.is_active AND d.amount > 0 AND d.date <= %s "
        f"AND d.due_date <= %s AND d.amount - COALESCE(s.settled, 0) <> 0 "
        f"ORDER BY c.code, d.due_date, d.id"
    )
    schema = {
        "id": pl.Int64,
        "customer_id": pl.Int64,
        "code": pl.Utf8,
        "segment": pl.Utf8,
        "rating": pl.Utf8,
        "number": pl.Utf8,
        "due_date": pl.Date,
        "open": pl.Int64,
        "flagged": pl.Int64,
    }
    params = [company_id, as_of, latest_due, company_id, as_of, latest_due]
    return query_frame(sql, params, schema)


def _disputed_items(company: Company, as_of: date) -> set[int]:
    """Items under a dispute opened by ``as_of`` and not closed by then."""
    return set(
        Dispute.objects.filter(company=company, opened_on__lte=as_of)
        .filter(Q(status=Dispute.Status.OPEN) | Q(closed_on__gt=as_of))
        .values_list("item_id", flat=True)
    )


def _resolved_by_a_user(company: Company, as_of: date) -> set[int]:
    """Items whose dispute a user resolved by ``as_of``: the import's ``disputed`` flag,
    older news than that resolution, no longer holds them back."""
    return set(
        Dispute.objects.filter(company=company, status=Dispute.Status.CLOSED, closed_on__lte=as_of)
        .exclude(closed_by=IMPORT_USER)
        .values_list("item_id", flat=True)
    )


def _promised_items(company: Company, as_of: date) -> dict[int, date]:
    """Items paused by a promise made by ``as_of``: the last day each one waits."""
    promises = (
        Promise.objects.filter(company=company, made_on__lte=as_of)
        .filter(Q(status=Promise.Status.OPEN) | Q(resolved_on__gt=as_of))
        .values_list("id", "promised_date", "grace_days")
    )
    last_day = {pid: day + timedelta(days=grace) for pid, day, grace in promises}
    until: dict[int, date] = {}
    links = Promise.items.through.objects.filter(
        promise_id__in=[pid for pid, last in last_day.items() if last >= as_of]
    ).values_list("promise_id", "document_id")
    for promise_id, item_id in links:
        last = last_day[promise_id]
        until[item_id] = max(until.get(item_id, last), last)
    return until


def _resting_customers(company: Company, as_of: date) -> set[int]:
    return set(
        DoNotDun.objects.filter(company=company, since__lte=as_of)
        .filter(Q(until__isnull=True) | Q(until__gte=as_of))
        .values_list("customer_id", flat=True)
    )


def _sent(company: Company, as_of: date) -> tuple[dict[int, set[tuple[int, str]]], dict[int, date]]:
    """The (item, step) pairs sent by ``as_of`` per customer, and each item's last sending day."""
    sent: dict[int, set[tuple[int, str]]] = defaultdict(set)
    last: dict[int, date] = {}
    for customer_id, item_id, key, day in StepSent.objects.filter(
        company=company, sent_on__lte=as_of
    ).values_list("customer_id", "item_id", "step_key", "sent_on"):
        sent[customer_id].add((item_id, key))
        last[item_id] = max(last.get(item_id, day), day)
    return sent, last


def _resuming_items(company: Company, as_of: date, last_sent: dict[int, date]) -> set[int]:
    """Items whose promise broke by ``as_of`` and that had no step since: they resume."""
    broken = Promise.items.through.objects.filter(
        promise__company=company,
        promise__status=Promise.Status.BROKEN,
        promise__resolved_on__lte=as_of,
    ).values_list("document_id", "promise__resolved_on")
    return {
        item_id
        for item_id, broke_on in broken
        if item_id in last_sent and last_sent[item_id] < broke_on
    }


def dunning_cases(company: Company, as_of: date) -> list[CustomerCase]:
    """Each customer with an item open and due by the earliest step's day, as the core sees it."""
    strategies, default = company_strategies(company)
    earliest = min((s.days for st in [*strategies, default] for s in st.steps), default=0)
    frame = _open_debits(company.id, as_of, as_of - timedelta(days=earliest))
    disputed = _disputed_items(company, as_of)
    resolved = _resolved_by_a_user(company, as_of)
    promised = _promised_items(company, as_of)
    resting = _resting_customers(company, as_of)
    sent, last_sent = _sent(company, as_of)
    resuming = _resuming_items(company, as_of, last_sent)
    key_customers = set(
        CustomerProfile.objects.filter(company=company, key_customer=True).values_list(
            "customer_id", flat=True
        )
    )
    by_customer: dict[int, list[DueItem]] = defaultdict(list)
    profile: dict[int, tuple[str, str, str]] = {}
    for (
        item_id,
        customer_id,
        code,
        segment,
        rating,
        number,
        due,
        open_cents,
        flagged,
    ) in frame.iter_rows():
        profile[customer_id] = (code, segment or "", rating or "")
        by_customer[customer_id].append(
            DueItem(
                item_id,
                number,
                due,
                open_cents,
                disputed=(bool(flagged) and item_id not in resolved) or item_id in disputed,
                promised_until=promised.get(item_id),
                resumes=item_id in resuming,
            )
        )
    cases = []
    for customer_id, items in by_customer.items():
        code, segment, rating = profile[customer_id]
        owed = sum(i.open for i in items)
        cases.append(
            CustomerCase(
                code,
                tuple(items),
                choose_strategy(strategies, default, segment, rating, owed),
                sent=frozenset(sent.get(customer_id, ())),
                do_not_dun=customer_id in resting,
                key_customer=customer_id in key_customers,
            )
        )
    return cases


def dunning_plan(company: Company, as_of: date) -> DunningPlan:
    """The actions due at ``as_of``, decided and not carried out."""
    return DunningPlan(as_of, due_actions(dunning_cases(company, as_of), as_of))
