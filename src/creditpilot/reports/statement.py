"""Statement of account (relevé de compte) of one customer at a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditpilot.companies.models import Company
from creditpilot.core.aging import Buckets
from creditpilot.core.errors import NotFoundError
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document
from creditpilot.reports.aging import aged_buckets_by_customer


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
    customer = Customer.objects.filter(company=company, code=customer_code).first()
    if customer is None:
        raise NotFoundError("customer_not_found", f"no customer with code {customer_code!r}")
    docs = list(
        Document.objects.filter(company=company, customer=customer, is_active=True, date__lte=as_of)
        .order_by("date", "id")
        .values_list("id", "date", "kind", "number", "label", "due_date", "amount")
    )
    settled: dict[int, int] = {}
    for invoice_id, credit_id, amount in Allocation.objects.filter(
        company=company, customer=customer, date__lte=as_of
    ).values_list("invoice_id", "credit_id", "amount"):
        settled[invoice_id] = settled.get(invoice_id, 0) + amount
        settled[credit_id] = settled.get(credit_id, 0) + amount
    lines: list[StatementLine] = []
    balance = 0
    for doc_id, day, kind, number, label, due, amount in docs:
        balance += amount
        sign = 1 if amount > 0 else -1
        open_amount = amount - sign * settled.get(doc_id, 0)
        past_due = (as_of - due).days if amount > 0 and open_amount else None
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
    buckets = aged_buckets_by_customer(company.id, as_of, customer.id).get(customer.id, Buckets())
    return Statement(company, customer, as_of, lines, buckets)
