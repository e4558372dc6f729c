"""Late-payment interest and indemnity of every invoice open and past due at a date, set-based.

Two reads of the ledger (the open past-due invoices with what settles them at
the date; the allocations dated on or before it) and one pass in polars. The
rule is the core's (``core/interest.py``): the day-by-day sum of open amount ×
rate / 365 is the full amount over the late days minus each settlement over
the days from its date on; the sum of the statutory rates from a day to the
as-of date comes from a running total over the core's half-year periods, read
by an as-of join. Products are exact 128-bit integers, rounded half-up once
per invoice.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from creditpilot.collections.frames import query_frame, sql_day
from creditpilot.collections.models import CollectionSettings, CustomerProfile
from creditpilot.collections.rates import rate_table
from creditpilot.companies.models import Company
from creditpilot.core.interest import (
    INTEREST_DENOMINATOR,
    RECOVERY_INDEMNITY_CENTS,
    RateTable,
    rate_periods,
    rate_units,
)
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document

DOC = Document._meta.db_table
ALLOC = Allocation._meta.db_table
CUSTOMER = Customer._meta.db_table


@dataclass(frozen=True)
class InterestLine:
    customer: str
    number: str
    due_date: date
    open: int  # cents
    days_late: int
    interest: int  # cents
    indemnity: int  # cents
    item_id: int = 0  # the document


@dataclass(frozen=True)
class InterestReport:
    as_of: date
    items: list[InterestLine]

    @property
    def total_interest(self) -> int:
        return sum(i.interest for i in self.items)

    @property
    def total_indemnity(self) -> int:
        return sum(i.indemnity for i in self.items)

    @property
    def total_open(self) -> int:
        return sum(i.open for i in self.items)

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "items": [
                {
                    "customer": i.customer,
                    "number": i.number,
                    "due_date": i.due_date.isoformat(),
                    "open": format_cents(i.open),
                    "days_late": i.days_late,
                    "interest": format_cents(i.interest),
                    "indemnity": format_cents(i.indemnity),
                }
                for i in self.items
            ],
            "total_interest": format_cents(self.total_interest),
            "total_indemnity": format_cents(self.total_indemnity),
        }


def interest_json(report: InterestReport) -> str:
    return json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"


def interest_csv(report: InterestReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["customer", "number", "due_date", "open", "days_late", "interest", "indemnity"]
    )
    for i in report.items:
        writer.writerow(
            [
                i.customer,
                i.number,
                i.due_date.isoformat(),
                format_cents(i.open),
                i.days_late,
                format_cents(i.interest),
                format_cents(i.indemnity),
            ]
        )
    writer.writerow(
        [
            "TOTAL",
            "",
            "",
            format_cents(report.total_open),
            "",
            format_cents(report.total_interest),
            format_cents(report.total_indemnity),
        ]
    )
    return out.getvalue()


# --- reading the ledger ------------------------------------------------------------------


def _open_past_due(company_id: int, as_of: date, customer_id: int | None) -> pl.DataFrame:
    """Debits dated on or before ``as_of``, due before it, with a non-zero open amount then."""
    one = "AND d.customer_id = %s " if customer_id is not None else ""
    # the customer's filter inside the sum too: its index then reads only that customer's rows
    one_alloc = "AND customer_id = %s " if customer_id is not None else ""
    sql = (
        f"SELECT d.id, c.code, d.customer_id, d.number, {sql_day('d.due_date')}, d.amount, "
        f"d.amount - COALESCE(s.settled, 0) "
        f"FROM {DOC} d JOIN {CUSTOMER} c ON c.id = d.customer_id "
        f"LEFT JOIN (SELECT invoice_id, SUM(amount) AS settled FROM {ALLOC} "
        f"  WHERE company_id = %s AND date <= %s AND due_date < %s {one_alloc}"
        f"GROUP BY invoice_id) s "
        f"ON s.invoice_id = d.id "
        f"WHERE d.company_id = %s AND d.is_active AND d.amount > 0 AND d.date <= %s "
        f"AND d.due_date < %s AND d.amount - COALESCE(s.settled, 0) <> 0 {one}"
    )
    schema = {
        "id": pl.Int64,
        "customer": pl.Utf8,
        "customer_id": pl.Int64,
        "number": pl.Utf8,
        "due_date": pl.Date,
        "amount": pl.Int64,
        "open": pl.Int64,
    }
    one_param = [customer_id] if customer_id is not None else []
    params = [company_id, as_of, as_of, *one_param, company_id, as_of, as_of, *one_param]
    return query_frame(sql, params, schema)


def _settlements(company_id: int, as_of: date, customer_id: int | None) -> pl.DataFrame:
    """Allocations dated on or before ``as_of`` to invoices due before it."""
    one = " AND customer_id = %s" if customer_id is not None else ""
    sql = (
        f"SELECT invoice_id, {sql_day('date')}, amount FROM {ALLOC} "
        f"WHERE company_id = %s AND date <= %s AND due_date < %s{one}"
    )
    schema = {"id": pl.Int64, "date": pl.Date, "amount": pl.Int64}
    params = [company_id, as_of, as_of] + ([customer_id] if customer_id is not None else [])
    return query_frame(sql, params, schema)


def _profiles(company: Company) -> pl.DataFrame:
    """Customers with a profile: the rate agreed with them (units, may be empty) and their kind."""
    rows = [
        (customer_id, rate_units(rate) if rate is not None else None, is_business)
        for customer_id, rate, is_business in CustomerProfile.objects.filter(
            company=company
        ).values_list("customer_id", "contractual_rate", "is_business")
    ]
    schema = {"customer_id": pl.Int64, "rate_units": pl.Int64, "is_business": pl.Boolean}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _company_rate(company: Company) -> int | None:
    """The late-payment rate of the company's terms of sale (units), None for the statutory one."""
    settings = CollectionSettings.objects.filter(company=company).first()
    if settings is None or settings.contractual_rate is None:
        return None
    return rate_units(settings.contractual_rate)


# --- the pass over the frames ------------------------------------------------------------


def _statutory_periods(first: date, as_of: date, table: RateTable) -> pl.DataFrame:
    """Half-years from ``first`` to ``as_of``: start, rate units, sum of units of earlier days."""
    rows, before = [], 0
    for period in rate_periods(first, as_of, table):
        units = rate_units(period.rate)
        rows.append((period.start, units, before))
        before += units * period.days
    return pl.DataFrame(
        rows, schema={"start": pl.Date, "units": pl.Int64, "before": pl.Int64}, orient="row"
    ).with_columns(pl.lit(before, pl.Int64).alias("total"))


def _rate_days(frame: pl.DataFrame, periods: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Column ``rate_days``: the sum of the day rates (units) from ``from_day`` to ``as_of``."""
    day = pl.col("from_day")
    joined = frame.sort("from_day").join_asof(
        periods, left_on="from_day", right_on="start", strategy="backward"
    )
    days_before = (day - pl.col("start")).dt.total_days()
    statutory = pl.col("total") - pl.col("before") - pl.col("units") * days_before
    days_left = (pl.lit(as_of + timedelta(days=1)) - day).dt.total_days()
    contractual = pl.col("rate_units") * days_left
    return joined.with_columns(
        pl.when(pl.col("rate_units").is_null())
        .then(statutory)
        .otherwise(contractual)
        .cast(pl.Int128)
        .alias("rate_days")
    ).drop("start", "units", "before", "total")


def _round_half_up(numerator: pl.Expr) -> pl.Expr:
    den = INTEREST_DENOMINATOR
    # cents fit in 64 bits once divided (and polars cannot negate a 128-bit integer)
    magnitude = ((numerator.abs() * 2 + den) // (2 * den)).cast(pl.Int64)
    return pl.when(numerator < 0).then(-magnitude).otherwise(magnitude)


def interest_report(
    company: Company, as_of: date, customer_id: int | None = None
) -> InterestReport:
    """Every invoice open and past due at ``as_of`` with its interest and indemnity (SPEC §3);
    of one customer when ``customer_id`` is given."""
    invoices = _open_past_due(company.id, as_of, customer_id)
    if invoices.height == 0:
        return InterestReport(as_of, [])
    invoices = invoices.join(_profiles(company), on="customer_id", how="left").with_columns(
        pl.col("is_business").fill_null(True),
        pl.col("rate_units").fill_null(pl.lit(_company_rate(company), pl.Int64)),
        (pl.col("due_date") + timedelta(days=1)).alias("first"),
    )
    statutory = invoices.filter(pl.col("rate_units").is_null())
    first = statutory["first"].min() if statutory.height else as_of
    periods = _statutory_periods(first, as_of, rate_table())  # type: ignore[arg-type]

    whole = _rate_days(invoices.with_columns(pl.col("first").alias("from_day")), periods, as_of)
    settled = (
        _settlements(company.id, as_of, customer_id)
        .join(invoices.select("id", "first", "rate_units"), on="id", how="inner")
        .with_columns(pl.max_horizontal("date", "first").alias("from_day"))
    )
    settled = (
        _rate_days(settled, periods, as_of)
        .group_by("id")
        .agg((pl.col("amount").cast(pl.Int128) * pl.col("rate_days")).sum().alias("less"))
    )
    lines = (
        whole.join(settled, on="id", how="left")
        .with_columns(
            (
                pl.col("amount").cast(pl.Int128) * pl.col("rate_days") - pl.col("less").fill_null(0)
            ).alias("numerator"),
            (pl.lit(as_of) - pl.col("due_date")).dt.total_days().alias("days_late"),
        )
        .with_columns(
            _round_half_up(pl.col("numerator")).alias("interest"),
            pl.when(pl.col("is_business"))
            .then(RECOVERY_INDEMNITY_CENTS)
            .otherwise(0)
            .alias("indemnity"),
        )
        .sort("customer", "due_date", "number", "id")
    )
    return InterestReport(
        as_of,
        [
            InterestLine(c, n, d, o, int(dl), i, ind, item_id)
            for c, n, d, o, dl, i, ind, item_id in lines.select(
                "customer", "number", "due_date", "open", "days_late", "interest", "indemnity", "id"
            ).iter_rows()
        ],
    )
