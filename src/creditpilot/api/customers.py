"""Customers of a company: the list with filters, one customer, its change, its open items."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.api.auth import scope_of, user_of
from creditpilot.api.errors import error_responses
from creditpilot.api.params import MAX_OFFSET, IsoDate, PlainText, has_control_character
from creditpilot.api.schemas import CustomerChanges, CustomerDetail, CustomerPage, OpenItems
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.money import format_cents, to_cents
from creditpilot.core.terms import parse_terms
from creditpilot.customers.models import Customer
from creditpilot.receivables.customers import do_update_customer
from creditpilot.reports.statement import statement

router = Router(tags=["customers"])

MAX_PAGE = 500
# up to ten thousand billion: the cents stay far inside a 64-bit integer
_LIMIT = re.compile(r"[0-9]{1,13}(\.[0-9]{1,2})?")


def limit_cents(text: str) -> int:
    """Cents of a credit limit written as a decimal string, exactly (never rounded).

    >>> limit_cents("15000.00"), limit_cents("0.5"), limit_cents("120")
    (1500000, 50, 12000)
    >>> limit_cents("12.345")
    Traceback (most recent call last):
    ...
    ValueError: the credit limit is an amount of zero or more with at most two decimals, like 15000.00
    >>> limit_cents("１２３")  # full-width digits are not read as 123
    Traceback (most recent call last):
    ...
    ValueError: the credit limit is an amount of zero or more with at most two decimals, like 15000.00
    """
    value = text.strip()
    if not _LIMIT.fullmatch(value):
        raise ValueError(
            "the credit limit is an amount of zero or more with at most two decimals, like 15000.00"
        )
    return to_cents(value)  # exact: two decimals at most, nothing to round


def terms_code(text: str) -> str:
    """Payment terms as their code, in any case; a wording the code would silently rewrite is refused.

    >>> terms_code("net45"), terms_code("EOM45"), terms_code("NET30/2%10")
    ('NET45', 'EOM45', 'NET30/2%10')
    >>> terms_code("NET-5")
    Traceback (most recent call last):
    ...
    ValueError: payment terms are a code such as NET30, EOM45, 45EOM, RECEIPT or PREPAID: 'NET-5' is not one (NET5?)
    """
    value = text.strip().upper()
    try:
        code = parse_terms(value).code
    except InvalidInputError:
        code = ""
    if code != value:
        guess = f" ({code}?)" if code else ""
        raise ValueError(
            "payment terms are a code such as NET30, EOM45, 45EOM, RECEIPT or PREPAID: "
            f"{text.strip()!r} is not one{guess}"
        )
    return code


def _changes_of(body: CustomerChanges) -> dict[str, Any]:
    """The body's fields as ``do_update_customer`` takes them; field errors raised together."""
    changes: dict[str, Any] = {}
    fields: dict[str, str] = {}
    for name, value in body.model_dump(exclude_unset=True).items():
        if name == "credit_limit":
            try:
                changes[name] = None if value is None else limit_cents(value)
            except ValueError as err:
                fields[name] = str(err)
            continue
        value = (value or "").strip()
        if has_control_character(value):
            fields[name] = "control characters (such as NUL or a line break) are not allowed"
            continue
        if name == "payment_terms" and value:
            try:
                value = terms_code(value)
            except ValueError as err:
                fields[name] = str(err)
                continue
        if name == "email" and value:
            try:
                validate_email(value)
            except DjangoValidationError:
                fields[name] = f"not an e-mail address: {value}"
        changes[name] = value
    if fields:
        raise InvalidInputError("invalid_customer", "; ".join(fields.values()), fields=fields)
    return changes


@router.get(
    "/companies/{company}/customers",
    response={200: CustomerPage, **error_responses(404, 422)},
    summary="Customers, filtered, by code",
)
def list_customers(
    request: HttpRequest,
    company: str,
    q: PlainText | None = Query(None, description="part of the code, the name or the SIREN"),
    segment: PlainText | None = None,
    sales_rep: PlainText | None = None,
    limit: int = Query(50, ge=1, le=MAX_PAGE),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    scope = scope_of(request, company)
    customers = scope.customers()
    if q:
        customers = customers.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(siren__icontains=q)
        )
    if segment is not None:
        customers = customers.filter(segment=segment)
    if sales_rep is not None:
        customers = customers.filter(sales_rep=sales_rep)
    customers = customers.order_by("code")
    return {"count": customers.count(), "items": list(customers[offset : offset + limit])}


@router.get(
    "/companies/{company}/customers/{code}",
    response={200: CustomerDetail, **error_responses(404)},
    summary="One customer",
)
def get_customer(request: HttpRequest, company: str, code: str) -> Customer:
    return scope_of(request, company).customer(code)


@router.patch(
    "/companies/{company}/customers/{code}",
    response={200: CustomerDetail, **error_responses(403, 404, 413, 415, 422)},
    summary="Change a customer's terms, credit limit, segment, sales rep, rating or e-mail",
    description="Audited (who, when, before and after). New payment terms move the due dates they derive.",
)
def update_customer(
    request: HttpRequest, company: str, code: str, changes: CustomerChanges
) -> Customer:
    scope = scope_of(request, company)
    scope.require(Action.EDIT_CUSTOMER)
    customer = scope.customer(code)
    do_update_customer(
        scope.company, customer, _changes_of(changes), actor=actor_of(user_of(request), request)
    )
    return customer


@router.get(
    "/companies/{company}/customers/{code}/open-items",
    response={200: OpenItems, **error_responses(404, 422)},
    summary="A customer's open items at a date",
)
def open_items(
    request: HttpRequest, company: str, code: str, as_of: IsoDate | None = None
) -> dict[str, Any]:
    scope = scope_of(request, company)
    customer = scope.customer(code)
    day = as_of or timezone.localdate()
    lines = statement(scope.company, customer.code, day).open_lines
    return {
        "customer": customer.code,
        "as_of": day,
        "currency": scope.company.currency,
        "total": format_cents(sum(line.open_amount for line in lines)),
        "items": [
            {
                "date": line.date,
                "kind": line.kind,
                "number": line.number,
                "label": line.label,
                "due_date": line.due_date,
                "amount": format_cents(line.amount),
                "open_amount": format_cents(line.open_amount),
                "days_past_due": line.days_past_due,
            }
            for line in lines
        ],
    }
