"""The shapes the API reads and writes, one per endpoint; they also make the OpenAPI document.

Amounts travel as strings with two decimals (``"1234.50"``), never as JSON
numbers, so no client reads them into a float; dates are ISO (``2026-06-30``).
Reports keep exactly the JSON of the command line (``creditpilot report``):
their schemas describe the known keys and let any other through.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict

from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer

AMOUNT = {"pattern": r"^-?\d+\.\d{2}$", "examples": ["1234.50"]}
POSITIVE = {"pattern": r"^\d{1,12}\.\d{2}$", "examples": ["1234.50"]}  # an amount given, >= 0
NO_CONTROL = "text without control characters"


class CompanyOut(Schema):
    code: str
    name: str
    currency: str
    role: str
    sales_rep: str = Field(
        description="for the sales role: the sales rep whose customers the user sees"
    )


class CompanyList(Schema):
    items: list[CompanyOut]


class CustomerOut(Schema):
    code: str
    name: str
    siren: str
    vat: str
    country: str
    segment: str
    payment_terms: str = Field(description="empty: the company's default terms")
    sales_rep: str
    currency: str
    credit_limit: str | None = Field(json_schema_extra=AMOUNT, description="empty (null): no limit")
    rating: str

    @staticmethod
    def resolve_credit_limit(obj: Customer) -> str | None:
        return None if obj.credit_limit is None else format_cents(obj.credit_limit)


class CustomerDetail(CustomerOut):
    email: str = Field(description="an e-mail address, or empty")


class CustomerPage(Schema):
    count: int = Field(description="customers matching the filters, all pages together")
    items: list[CustomerOut]


class CustomerChanges(Schema):
    """The fields to change; a field left out stays as it is, null empties it."""

    model_config = ConfigDict(extra="forbid")

    payment_terms: str | None = Field(
        None,
        max_length=40,
        examples=["NET45"],
        description=(
            "a terms code, in any case: NET30 (30 days), EOM45 (45 days then end of month), "
            "45EOM (end of month then 45 days), EOM, RECEIPT or PREPAID, optionally with an "
            "early-payment discount such as /2%10; empty or null: the company's terms"
        ),
    )
    credit_limit: str | None = Field(
        None,
        max_length=20,
        examples=["15000.00"],
        description="an amount with at most two decimals, digits 0-9 only; null: no limit",
        json_schema_extra={"pattern": r"^[0-9]{1,13}(\.[0-9]{1,2})?$"},
    )
    segment: str | None = Field(None, max_length=60, description=NO_CONTROL)
    sales_rep: str | None = Field(None, max_length=120, description=NO_CONTROL)
    rating: str | None = Field(None, max_length=8, description=NO_CONTROL)
    email: Annotated[str, Field(json_schema_extra={"format": "email"})] | None = Field(
        None,
        max_length=254,
        examples=["compta@acme.example"],
        description="an e-mail address; empty or null: none",
    )


class OpenItem(Schema):
    date: dt.date
    kind: str
    number: str
    label: str
    due_date: dt.date | None
    amount: str = Field(json_schema_extra=AMOUNT)
    open_amount: str = Field(json_schema_extra=AMOUNT)
    days_past_due: int | None


class OpenItems(Schema):
    customer: str
    as_of: dt.date
    currency: str
    total: str = Field(json_schema_extra=AMOUNT, description="sum of the open amounts")
    items: list[OpenItem]


class _Report(Schema):
    model_config = ConfigDict(extra="allow")


class AgingCustomer(_Report):
    code: str
    name: str
    total: str
    buckets: dict[str, str]


class Aging(_Report):
    as_of: dt.date
    currency: str
    total: str
    buckets: dict[str, str] = Field(description="not_due, 1_30, 31_60, 61_90, over_90, unapplied")
    customers: list[AgingCustomer]


class AgingGroup(_Report):
    key: str = Field(description="the segment, sales rep or currency; empty when not set")
    total: str
    buckets: dict[str, str]


class AgingGrouped(_Report):
    """``aging?by=segment|sales_rep|currency``: the customers' buckets summed by that field."""

    as_of: dt.date
    currency: str
    by: str
    total: str
    buckets: dict[str, str] = Field(description="not_due, 1_30, 31_60, 61_90, over_90, unapplied")
    groups: list[AgingGroup]


class Debtor(_Report):
    code: str
    name: str
    total: str


class Kpis(_Report):
    as_of: dt.date
    currency: str
    dso: str | None
    best_possible_dso: str | None
    add: str | None
    overdue_ratio: str | None
    cei: str | None
    cei_period: dict[str, str]
    total: str
    not_due: str
    overdue: str
    unapplied: str
    sales_month_to_date: str
    sales_12_months: str
    top_debtors: list[Debtor]


class RowErrorOut(Schema):
    file: str
    line: int | None
    column: str | None
    code: str
    message: str


class ImportJobSummary(Schema):
    id: int
    kind: str
    file_name: str
    size: int
    accept_valid_rows: bool
    status: str = Field(description="queued, running, done, refused or failed")
    stage: str
    changed: bool
    counts: dict[str, Any]
    error_count: int
    message: str
    created_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ImportJobOut(ImportJobSummary):
    errors: list[RowErrorOut] = Field(
        description="the first rejected rows, each with its line and column"
    )


class ImportJobPage(Schema):
    count: int
    items: list[ImportJobSummary]
