"""The order book: orders taken and not yet invoiced, part of each customer's exposure.

A file is the whole book at the time: its orders replace the company's, all or nothing.
An order system may instead keep the book one order at a time (the API): ``do_put_order``
when an order is taken or changed, ``do_remove_order`` when it is invoiced or cancelled.
Every write locks the company's row, so two writers of the same book wait for each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from creditpilot.audit.services import Actor, record
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError, RowError
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
        Company.objects.select_for_update().filter(pk=company.pk).first()
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


MAX_NUMBER = 100  # characters of an order number (the column's size)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_order_number(number: str) -> str:
    """The number as stored, or the reason it is refused.

    >>> check_order_number("CMD-2026-0042")
    'CMD-2026-0042'
    >>> check_order_number(" CMD-1")
    Traceback (most recent call last):
    ...
    ValueError: an order number has no space before or after it
    """
    if not number.strip():
        raise ValueError("an order number is not empty")
    if len(number) > MAX_NUMBER:
        raise ValueError(f"an order number has at most {MAX_NUMBER} characters")
    if _CONTROL.search(number):
        raise ValueError("control characters (such as NUL or a line break) are not allowed")
    if number != number.strip():
        raise ValueError("an order number has no space before or after it")
    return number


def _as_json(order: Order, customer_code: str) -> dict[str, str]:
    return {
        "customer": customer_code,
        "number": order.number,
        "date": order.date.isoformat(),
        "amount": format_cents(order.amount),
    }


@dataclass(frozen=True)
class OrderPut:
    """What a put did: ``created``, ``replaced``, ``removed`` (amount zero) or ``unchanged``."""

    outcome: str
    order: Order | None


def do_put_order(
    company: Company,
    number: str,
    customer_code: str,
    day: date,
    amount: int,
    actor: Actor,
) -> OrderPut:
    """Create or replace the order ``number``; an amount of zero removes it (all invoiced).

    Refuses an unknown customer, a negative amount or a bad number, naming the field.
    """
    fields: dict[str, str] = {}
    try:
        check_order_number(number)
    except ValueError as err:
        fields["number"] = str(err)
    if amount < 0:
        fields["amount"] = "the amount still to invoice is zero or more"
    customer = Customer.objects.filter(company=company, code=customer_code).first()
    if customer is None:
        fields["customer"] = f"unknown customer {customer_code!r} in company {company.code}"
    if fields:
        code = "unknown_customer" if set(fields) == {"customer"} else "invalid_order"
        raise InvalidInputError(code, "; ".join(fields.values()), fields=fields)
    assert customer is not None
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()
        found = (
            Order.objects.select_related("customer").filter(company=company, number=number).first()
        )
        before = _as_json(found, found.customer.code) if found is not None else None
        if amount == 0:
            if found is None:
                return OrderPut("unchanged", None)
            found.delete()
            _audit("order_removed", company, number, actor, before, None)
            return OrderPut("removed", None)
        if found is None:
            order = Order.objects.create(
                company=company, customer=customer, number=number, date=day, amount=amount
            )
        else:
            order = found
            order.customer, order.date, order.amount = customer, day, amount
            order.save(update_fields=["customer", "date", "amount"])
        after = _as_json(order, customer.code)
        if after == before:
            return OrderPut("unchanged", order)
        _audit("order_saved", company, number, actor, before, after)
        return OrderPut("created" if found is None else "replaced", order)


def do_remove_order(company: Company, number: str, actor: Actor) -> None:
    """The order was invoiced or cancelled: it leaves the book (``NotFoundError`` when unknown)."""
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()
        found = (
            Order.objects.select_related("customer").filter(company=company, number=number).first()
        )
        if found is None:
            raise NotFoundError("order_not_found", f"no order {number!r}")
        before = _as_json(found, found.customer.code)
        found.delete()
        _audit("order_removed", company, number, actor, before, None)


def _audit(
    action: str,
    company: Company,
    number: str,
    actor: Actor,
    before: dict[str, str] | None,
    after: dict[str, str] | None,
) -> None:
    record(
        action,
        company_id=company.pk,
        actor=actor,
        object_type="order",
        object_ref=number,
        before=before,
        after=after,
    )
