"""Statement of account (relevé de compte) of one customer at a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditpilot.companies.models import Company
from creditpilot.core.aging import Buckets, age, days_past_due
from creditpilot.core.errors import NotFoundError
from creditpilot.core.ledger import Allocation as LedgerAllocation
from creditpilot.core.ledger import Item, open_amounts
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document


@dataclass(frozen=True)
class StatementLine:
    date: date
    kind: str
    number: str
    label: str
    due_date: date | None
    amount: int  # cents, signed
    open_amount: int  # cents, at the as-of date
    balance: int  # running balance, cents
    days_past_due: int | None


@dataclass
class Statement:
    company: Company
    customer: Customer
    as_of: date
    lines: list[StatementLine]
    buckets: Buckets

    @property
    def balance(self) -> int:
        return self.lines[-1].balance if self.lines else 0

    @property
    def open_lines(self) -> list[StatementLine]:
        return [line for line in self.lines if line.open_amount != 0]


def statement(company: Company, customer_code: str, as_of: date) -> Statement:
    """The customer's documents at ``as_of`` with their open amounts and buckets.

    Open amounts, days past due and buckets are the core's (``core.ledger.open_amounts``,
    ``core.aging.age``) over the customer's documents and allocations: one rule, one place.
    """
    customer = Customer.objects.filter(company=company, code=customer_code).first()
    if customer is None:
        raise NotFoundError("customer_not_found", f"no customer with code {customer_code!r}")
    docs = list(
        Document.objects.filter(company=company, customer=customer, is_active=True, date__lte=as_of)
        .order_by("date", "id")
        .values_list("id", "date", "kind", "number", "label", "due_date", "amount")
    )
    items = [
        Item(doc_id, customer.code, day, due or day, amount)
        for doc_id, day, _kind, _number, _label, due, amount in docs
    ]
    allocations = [
        LedgerAllocation(invoice_id, credit_id, amount, method, day)
        for invoice_id, credit_id, amount, method, day in Allocation.objects.filter(
            company=company, customer=customer, date__lte=as_of
        ).values_list("invoice_id", "credit_id", "amount", "method", "date")
    ]
    open_by_id = open_amounts(items, allocations, as_of)
    lines: list[StatementLine] = []
    balance = 0
    for doc_id, day, kind, number, label, due, amount in docs:
        balance += amount
        open_amount = open_by_id[doc_id]
        past_due = days_past_due(as_of, due) if amount > 0 and open_amount else None
        lines.append(
            StatementLine(
                day,
                kind,
                number,
                label,
                due if amount > 0 else None,
                amount,
                open_amount,
                balance,
                past_due,
            )
        )
    buckets = age(items, allocations, as_of).customers.get(customer.code, Buckets())
    return Statement(company, customer, as_of, lines, buckets)
