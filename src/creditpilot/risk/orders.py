"""The order book: orders taken and not yet invoiced, part of each customer's exposure.

A file is the whole book at the time: its orders replace the company's, all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Sum

from creditpilot.audit.services import Actor, record
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, RowError
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.readers.orders import read_orders
from creditpilot.receivables.services import ImportRefusedError
from creditpilot.risk.models import Order


@dataclass(frozen=True)
class OrdersImported:
    file: str
    orders: int
    total: int  # cents

    def __str__(self) -> str:
        return f"{self.file}: {self.orders} orders not yet invoiced, {format_cents(self.total)}"


def do_import_orders(company: Company, path: Path | str, actor: Actor) -> OrdersImported:
    name = str(path)
    records, errors = read_orders(path)
    ids = dict(Customer.objects.filter(company=company).values_list("code", "id"))
    for rec in records:
        if rec.customer not in ids:
            errors.append(
                RowError.of(name, rec.line, "customer_code", "unknown_customer", code=rec.customer)
            )
    if errors:
        raise ImportRefusedError(name, sorted(errors, key=lambda e: e.line))
    if not records:
        raise InvalidInputError("no_data", "the file has no order to import", file=name, line=1)
    with transaction.atomic():
        Order.objects.filter(company=company).delete()
        Order.objects.bulk_create(
            [
                Order(
                    company=company,
                    customer_id=ids[r.customer],
                    number=r.number,
                    date=r.date,
                    amount=r.amount,
                )
                for r in records
            ],
            batch_size=2000,
        )
        total = sum(r.amount for r in records)
        record(
            "orders_imported",
            company_id=company.pk,
            actor=actor,
            object_type="company",
            object_ref=company.code,
            after={"file": Path(name).name, "orders": len(records), "total": format_cents(total)},
        )
    return OrdersImported(Path(name).name, len(records), total)


def open_orders(customer: Customer) -> int:
    """Cents ordered by the customer and not yet invoiced."""
    return int(Order.objects.filter(customer=customer).aggregate(t=Sum("amount"))["t"] or 0)
