"""The order book over the API: the orders not yet invoiced, kept one order at a time.

An order system puts an order when it is taken or changed (an amount of ``0.00``
removes it) and deletes it once invoiced or cancelled; the credit check counts
these orders in the customer's exposure. Reading needs the right to view,
writing the right to import (the same as ``creditpilot import orders``); each
write is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import AfterValidator, ConfigDict

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.api.auth import scope_of, user_of
from creditpilot.api.errors import error_responses
from creditpilot.api.params import IsoDate, PlainText
from creditpilot.api.schemas import AMOUNT, NO_CONTROL
from creditpilot.core.errors import NotFoundError
from creditpilot.core.money import format_cents, to_cents
from creditpilot.risk.models import Order
from creditpilot.risk.orders import MAX_NUMBER, check_order_number, do_put_order, do_remove_order

router = Router(tags=["risk"])

# up to a thousand billion: the cents stay far inside a 64-bit integer
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


def order_amount(text: str) -> str:
    """An amount still to invoice: zero or more, digits 0-9, at most two decimals.

    >>> order_amount("1234.5")
    '1234.5'
    >>> order_amount("-10.00")
    Traceback (most recent call last):
    ...
    ValueError: the amount still to invoice is zero or more, with at most two decimals, like 1234.50
    """
    if not _AMOUNT.fullmatch(text):
        raise ValueError(
            "the amount still to invoice is zero or more, with at most two decimals, like 1234.50"
        )
    return text


OrderNumber = Annotated[str, AfterValidator(check_order_number)]
NUMBER = Path(
    ...,
    min_length=1,
    max_length=MAX_NUMBER,
    description=f"the order's number, unique in the company: at most {MAX_NUMBER} characters, "
    f"{NO_CONTROL}",
)


class OrderIn(Schema):
    """One order as the order system holds it; the number is in the path."""

    model_config = ConfigDict(extra="forbid")

    customer: PlainText = Field(max_length=64, description="the customer's code")
    date: IsoDate = Field(description="the day the order was taken")
    amount: Annotated[str, AfterValidator(order_amount)] = Field(
        max_length=16,
        examples=["1234.50"],
        description="what is still to invoice, zero or more; 0.00 removes the order",
        json_schema_extra={"pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$"},
    )


class OrderOut(Schema):
    customer: str
    number: str
    date: dt.date
    amount: str = Field(**AMOUNT)


class OrderBook(Schema):
    orders: list[OrderOut]
    total: str = Field(**AMOUNT, description="sum of the orders' amounts")


def _order_json(order: Order) -> dict[str, Any]:
    return {
        "customer": order.customer.code,
        "number": order.number,
        "date": order.date,
        "amount": format_cents(order.amount),
    }


@router.get(
    "/companies/{company}/orders",
    response={200: OrderBook, **error_responses(403, 404, 422)},
    summary="The orders not yet invoiced, of every customer or of one",
)
def list_orders(
    request: HttpRequest,
    company: str,
    customer: PlainText | None = Query(None, max_length=64, description="a customer's code"),
) -> dict[str, Any]:
    scope = scope_of(request, company)
    scope.require(Action.VIEW)
    orders = Order.objects.filter(company=scope.company, customer__in=scope.customers())
    if customer is not None:
        orders = orders.filter(customer=scope.customer(customer))
    found = list(orders.select_related("customer").order_by("customer__code", "date", "number"))
    return {
        "orders": [_order_json(order) for order in found],
        "total": format_cents(sum(order.amount for order in found)),
    }


@router.put(
    "/companies/{company}/orders/{number}",
    response={
        200: OrderOut,
        201: OrderOut,
        204: None,
        **error_responses(403, 404, 413, 415, 422),
    },
    summary="Create or replace an order not yet invoiced (0.00 removes it)",
    description=(
        "201 when the order is new, 200 when it replaced the order of that number, "
        "204 when an amount of 0.00 removed it (or there was none). Audited."
    ),
)
def put_order(
    request: HttpRequest, company: str, body: OrderIn, number: OrderNumber = NUMBER
) -> Status[Any]:
    scope = scope_of(request, company)
    scope.require(Action.IMPORT)
    done = do_put_order(
        scope.company,
        number,
        body.customer,
        body.date,
        to_cents(body.amount),
        actor_of(user_of(request), request),
    )
    if done.order is None:
        return Status(204, None)
    return Status(201 if done.outcome == "created" else 200, _order_json(done.order))


@router.delete(
    "/companies/{company}/orders/{number}",
    response={204: None, **error_responses(403, 404, 422)},
    summary="Remove an order: it was invoiced or cancelled. Audited.",
)
def delete_order(request: HttpRequest, company: str, number: OrderNumber = NUMBER) -> Status[None]:
    scope = scope_of(request, company)
    scope.require(Action.IMPORT)
    try:
        do_remove_order(scope.company, number, actor_of(user_of(request), request))
    except NotFoundError as err:
        raise Http404("order") from err
    return Status(204, None)
