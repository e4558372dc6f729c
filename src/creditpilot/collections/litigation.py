"""Litigation cases: a debt taken beyond reminders, stage by stage, to its outcome; and the
statement of claim (décompte de la créance) that goes with a formal notice or a request
for an order for payment.

A case holds some of the customer's items (its open invoices past due, by default) and
moves through the stages: amicable, formal notice, order for payment (injonction de
payer), summary proceedings (référé-provision), collection agency, lawyer, insolvency
claim (déclaration de créance: due two months after the BODACC publication). Its costs
and recoveries are recorded; it closes recovered, settled, or written off — a write-off
needs an approved write-off decision for the customer (the decision matrix).

The statement of claim is, per item, its principal still owed, the late-payment interest
and the 40 EUR recovery indemnity exactly as ``report interest`` computes them at the
date, with the invoices and the reminders sent as exhibits.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from creditpilot.audit.services import Actor, record
from creditpilot.collections.interest import interest_report
from creditpilot.collections.models import Decision, LitigationCase, Message
from creditpilot.collections.services import _items_by_number, get_customer
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError
from creditpilot.core.money import format_cents
from creditpilot.receivables.models import Document


def _past_due_items(company: Company, customer_id: int, today: date) -> list[Document]:
    report = interest_report(company, today, customer_id)
    ids = [line.item_id for line in report.items]
    return list(Document.objects.filter(pk__in=ids).order_by("due_date", "number"))


@transaction.atomic
def do_open_case(
    company: Company,
    customer_code: str,
    *,
    today: date,
    items: list[str] | None = None,
    stage: str = LitigationCase.Stage.AMICABLE,
    note: str = "",
    username: str = "cli",
) -> LitigationCase:
    """Open a case on some items (the open ones past due, by default)."""
    customer = get_customer(company, customer_code)
    if stage not in LitigationCase.Stage.values:
        raise InvalidInputError("bad_stage", f"unknown stage {stage!r}")
    docs = (
        _items_by_number(customer, items, today)
        if items
        else _past_due_items(company, customer.pk, today)
    )
    if not docs:
        raise InvalidInputError(
            "nothing_owed", f"{customer.code!r} owes nothing past due on {today.isoformat()}"
        )
    case = LitigationCase.objects.create(
        company=company,
        customer=customer,
        stage=stage,
        opened_on=today,
        history=[{"day": today.isoformat(), "stage": stage, "by": username, "note": note}],
        created_by=username,
    )
    case.items.set([d.id for d in docs])
    record(
        "case_opened",
        company_id=company.pk,
        actor=Actor(username=username),
        object_type="customer",
        object_ref=customer.code,
        after={"stage": stage, "items": [d.number for d in docs]},
    )
    return case


def _case(company: Company, case_id: int) -> LitigationCase:
    found = (
        LitigationCase.objects.select_for_update()
        .select_related("customer")
        .filter(company=company, pk=case_id)
        .first()
    )
    if found is None:
        raise NotFoundError("case_not_found", f"no case {case_id}")
    if found.closed_on is not None:
        raise InvalidInputError("case_closed", f"case {case_id} is closed")
    return found


@transaction.atomic
def do_move_case(
    company: Company,
    case_id: int,
    stage: str,
    *,
    today: date,
    published_on: date | None = None,
    note: str = "",
    username: str = "cli",
) -> LitigationCase:
    """Take the case to ``stage``; an insolvency claim is due two months after the
    publication of the proceedings (``published_on``)."""
    case = _case(company, case_id)
    if stage not in LitigationCase.Stage.values:
        raise InvalidInputError("bad_stage", f"unknown stage {stage!r}")
    case.stage = stage
    if stage == LitigationCase.Stage.INSOLVENCY_CLAIM:
        if published_on is None:
            raise InvalidInputError(
                "publication_missing", "an insolvency claim needs the date of the publication"
            )
        case.deadline = _two_months_after(published_on)
    case.history = [
        *case.history,
        {"day": today.isoformat(), "stage": stage, "by": username, "note": note},
    ]
    case.save(update_fields=["stage", "deadline", "history"])
    record(
        "case_moved",
        company_id=company.pk,
        actor=Actor(username=username),
        object_type="customer",
        object_ref=case.customer.code,
        after={"case": case.pk, "stage": stage, "note": note},
    )
    return case


def _two_months_after(day: date) -> date:
    """The same day two months later (the month's last day when it has no such day).

    >>> _two_months_after(date(2026, 6, 30)), _two_months_after(date(2026, 12, 31))
    (datetime.date(2026, 8, 30), datetime.date(2027, 2, 28))
    """
    month = day.month + 2
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def do_case_money(
    company: Company, case_id: int, *, costs: int = 0, recovered: int = 0, username: str = "cli"
) -> LitigationCase:
    """Add costs spent on the case and amounts recovered through it (cents, zero or more)."""
    if costs < 0 or recovered < 0:
        raise InvalidInputError("negative_amount", "an amount is zero or more")
    case = _case(company, case_id)
    case.costs += costs
    case.recovered += recovered
    case.save(update_fields=["costs", "recovered"])
    record(
        "case_money",
        company_id=company.pk,
        actor=Actor(username=username),
        object_type="customer",
        object_ref=case.customer.code,
        after={"case": case.pk, "costs": format_cents(costs), "recovered": format_cents(recovered)},
    )
    return case


@transaction.atomic
def do_close_case(
    company: Company, case_id: int, outcome: str, *, today: date, username: str = "cli"
) -> LitigationCase:
    """Close the case recovered, settled or written off (a write-off needs its approval)."""
    case = _case(company, case_id)
    if outcome not in LitigationCase.Outcome.values:
        raise InvalidInputError("bad_outcome", f"unknown outcome {outcome!r}")
    if (
        outcome == LitigationCase.Outcome.WRITTEN_OFF
        and not Decision.objects.filter(
            company=company, customer=case.customer, action="write_off", approved=True
        ).exists()
    ):
        raise InvalidInputError(
            "write_off_not_approved",
            "a write-off needs an approved write-off decision (the decision matrix)",
        )
    case.outcome, case.closed_on = outcome, today
    case.save(update_fields=["outcome", "closed_on"])
    record(
        "case_closed",
        company_id=company.pk,
        actor=Actor(username=username),
        object_type="customer",
        object_ref=case.customer.code,
        after={"case": case.pk, "outcome": outcome},
    )
    return case


@dataclass
class Claim:
    """The statement of claim of a case at a date, in cents."""

    case: LitigationCase
    as_of: date
    lines: list[dict[str, Any]] = field(default_factory=list)
    reminders: list[dict[str, Any]] = field(default_factory=list)

    @property
    def principal(self) -> int:
        return sum(line["open"] for line in self.lines)

    @property
    def interest(self) -> int:
        return sum(line["interest"] for line in self.lines)

    @property
    def indemnity(self) -> int:
        return sum(line["indemnity"] for line in self.lines)

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.indemnity

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case.pk,
            "customer": self.case.customer.code,
            "as_of": self.as_of.isoformat(),
            "stage": self.case.stage,
            "items": [
                {
                    "number": line["number"],
                    "date": line["date"].isoformat(),
                    "due_date": line["due_date"].isoformat(),
                    "open": format_cents(line["open"]),
                    "days_late": line["days_late"],
                    "interest": format_cents(line["interest"]),
                    "indemnity": format_cents(line["indemnity"]),
                }
                for line in self.lines
            ],
            "principal": format_cents(self.principal),
            "interest": format_cents(self.interest),
            "indemnity": format_cents(self.indemnity),
            "total": format_cents(self.total),
            "reminders": self.reminders,
        }


def statement_of_claim(company: Company, case: LitigationCase, as_of: date) -> Claim:
    """Per item of the case: its principal, interest and indemnity at ``as_of``, exactly as
    the interest report gives them; the reminders sent as exhibits."""
    items = {d.pk: d for d in case.items.all()}
    claim = Claim(case, as_of)
    for line in interest_report(company, as_of, case.customer_id).items:
        if line.item_id in items:
            doc = items[line.item_id]
            claim.lines.append(
                {
                    "number": line.number,
                    "date": doc.date,
                    "due_date": line.due_date,
                    "open": line.open,
                    "days_late": line.days_late,
                    "interest": line.interest,
                    "indemnity": line.indemnity,
                }
            )
    numbers = {d.number for d in items.values()}
    sent = Message.objects.filter(customer=case.customer, day__lte=as_of).order_by("day", "id")
    for m in sent:
        named = {str(i.get("number", "")) for i in m.items if isinstance(i, dict)}
        if numbers & named:
            claim.reminders.append(
                {"day": m.day.isoformat(), "step": m.step_name, "channel": m.channel}
            )
    return claim
