"""The aged balance at many dates from one read of the ledger, in polars.

For a trend (the dashboard's twelve month ends): the documents and allocations
are read once and aged in memory, with the bucket rule generated from the core's
bounds, as ``reports.aging`` generates its SQL. Apart from ``reports.aging`` so
that a report command does not load polars.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from creditpilot.companies.models import Company
from creditpilot.core.aging import LAST_BUCKET, Buckets, due_date_bounds
from creditpilot.receivables import bulk
from creditpilot.reports.aging import ALLOC, DOC


def bucket_expr(column: str, as_of: date) -> pl.Expr:
    """The same rule as a polars expression over a due date ``column``."""
    bounds = due_date_bounds(as_of)
    name, bound = bounds[0]
    due = pl.col(column)
    expr = pl.when(due >= bound).then(pl.lit(name))
    for name, bound in bounds[1:]:
        expr = expr.when(due >= bound).then(pl.lit(name))
    return expr.otherwise(pl.lit(LAST_BUCKET))


def aged_totals_at(company: Company, dates: list[date]) -> dict[date, Buckets]:
    """The company's buckets at each of ``dates``, from one read of the ledger.

    The same figures as ``aged_totals`` date by date; for a trend over many dates,
    the documents and allocations are read once and aged in memory by polars.
    """
    if not dates:
        return {}
    schema = {"date": pl.Date, "due_date": pl.Date, "amount": pl.Int64}
    last = max(dates)
    docs = bulk.fetch_frame(
        DOC, "company_id = %s AND is_active AND date <= %s", [company.id, last], schema
    )
    allocs = bulk.fetch_frame(ALLOC, "company_id = %s AND date <= %s", [company.id, last], schema)
    result: dict[date, Buckets] = {}
    for day in dates:
        by_due = bucket_expr("due_date", day)
        buckets = Buckets()
        for name, cents in (
            docs.filter(pl.col("date") <= day)
            .group_by(
                pl.when(pl.col("amount") < 0).then(pl.lit("unapplied")).otherwise(by_due).alias("b")
            )
            .agg(pl.col("amount").sum())
            .iter_rows()
        ):
            buckets.cents[name] += int(cents)
        for name, cents in (
            allocs.filter(pl.col("date") <= day)
            .group_by(by_due.alias("b"))
            .agg(pl.col("amount").sum())
            .iter_rows()
        ):
            buckets.cents[name] -= int(cents)
            buckets.cents["unapplied"] += int(cents)
        result[day] = buckets
    return result
