"""What the ledger knew of each invoice and its customer at a cutoff, set-based (polars).

Knowledge at a cutoff ``c`` is everything dated *before* ``c``: the invoices dated before it,
the allocations dated before it (an invoice is *settled* on the day its allocations reach its
amount), the disputes opened before it, the dunning steps sent before it, the risk scores of
the days before it. Nothing dated ``c`` or later enters a row's features, so a model trained on
the rows of past cutoffs and applied at ``as_of`` never sees what happened after ``as_of``.

A row is an invoice seen at a cutoff: open at it (dated before, not settled before) or issued
within ``horizon`` days from it. Its features: the invoice's own (amount, terms, days of the
month, age and days past due at the cutoff, disputed, dunning steps sent), the customer's
history of settled invoices before the cutoff (count, mean and spread of the days late, the
median of the last six and the mean of the last three — the trend —, the median days to pay,
the day of the month it pays on, the share paid late, its usual amount), what else it had open
at the cutoff, its segment, and its risk score of the last day scored before the cutoff.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from creditpilot.collections.frames import query_frame, sql_day
from creditpilot.collections.models import Dispute, StepSent
from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document
from creditpilot.risk.models import RiskScore

DOC = Document._meta.db_table
ALLOC = Allocation._meta.db_table
DISPUTE = Dispute._meta.db_table
STEP = StepSent._meta.db_table
SCORE = RiskScore._meta.db_table
CUSTOMER = Customer._meta.db_table

FEATURES = [
    "log_amount",
    "terms_days",
    "date_dom",
    "due_dom",
    "age",
    "overdue",
    "is_new",
    "disputed",
    "steps_sent",
    "n_paid",
    "mean_delay",
    "std_delay",
    "median_delay_6",
    "mean_delay_3",
    "last_delay",
    "median_dtp_6",
    "median_pay_dom_6",
    "late_share",
    "relative_amount",
    "open_count",
    "open_max_overdue",
    "segment",
    "score",
]
CATEGORICAL = ["segment"]


class History:
    """The ledger's invoices and their settlement, read once; every cutoff is taken from it."""

    def __init__(self, company: Company, until: date | None = None) -> None:
        invoices = _invoices(company, until)
        self._set(
            invoices,
            _allocations(company, until),
            _disputes(company),
            _steps(company),
            _scores(company),
            _segments(company),
        )

    @classmethod
    def of_frames(
        cls,
        invoices: pl.DataFrame,
        allocations: pl.DataFrame,
        segments: pl.DataFrame,
    ) -> History:
        """A history given as frames (the benchmark's million invoices), without disputes,
        dunning or scores."""
        history = cls.__new__(cls)
        history._set(
            invoices,
            allocations,
            pl.DataFrame(schema={"item_id": pl.Int64, "opened_on": pl.Date, "closed_on": pl.Date}),
            pl.DataFrame(schema={"item_id": pl.Int64, "sent_on": pl.Date}),
            pl.DataFrame(schema={"customer_id": pl.Int64, "day": pl.Date, "score": pl.Float64}),
            segments,
        )
        return history

    def _set(
        self,
        invoices: pl.DataFrame,
        allocations: pl.DataFrame,
        disputes: pl.DataFrame,
        steps: pl.DataFrame,
        scores: pl.DataFrame,
        segments: pl.DataFrame,
    ) -> None:
        settled = settlements(invoices, allocations)
        self.invoices = invoices.join(settled, on="id", how="left").with_columns(
            pl.col("allocated").fill_null(0)
        )
        self.events = _events(self.invoices)
        self.disputes, self.steps, self.scores, self.segments = disputes, steps, scores, segments
        self.selected = 0  # the rows the last ``rows`` selected, before its sample

    def rows(
        self,
        cutoffs: list[date],
        horizon: int | None,
        where: pl.Expr | None = None,
        sample: int | None = None,
    ) -> pl.DataFrame:
        """The invoices open at each cutoff or issued within ``horizon`` days of it (every one
        issued after it when None), with their features at the cutoff; only those ``where``
        holds, and a random ``sample`` of them (the same each time) when there are more."""
        last = date(9999, 12, 31)
        parts = []
        for cutoff in sorted(set(cutoffs)):
            until = cutoff + timedelta(days=horizon) if horizon is not None else last
            parts.append(
                self.invoices.filter(
                    (pl.col("settled_on").is_null() | (pl.col("settled_on") >= cutoff))
                    & (pl.col("date") < until)
                ).with_columns(pl.lit(cutoff, pl.Date).alias("cutoff"))
            )
        rows = (
            pl.concat(parts)
            if parts
            else self.invoices.clear().with_columns(pl.lit(None, pl.Date).alias("cutoff"))
        )
        rows = _with_open_items(
            rows.with_columns(
                (pl.col("cutoff") - pl.col("due_date")).dt.total_days().alias("overdue"),
                (pl.col("date") >= pl.col("cutoff")).cast(pl.Int8).alias("is_new"),
            )
        )
        if where is not None:
            rows = rows.filter(where)
        self.selected = rows.height
        if sample is not None and rows.height > sample:
            rows = rows.sample(sample, seed=0)
        return self._features(rows)

    def _features(self, rows: pl.DataFrame) -> pl.DataFrame:
        rows = rows.with_columns(
            (pl.col("amount").cast(pl.Float64) / 100).log1p().alias("log_amount"),
            (pl.col("due_date") - pl.col("date")).dt.total_days().alias("terms_days"),
            pl.col("date").dt.day().alias("date_dom"),
            pl.col("due_date").dt.day().alias("due_dom"),
            (pl.col("cutoff") - pl.col("date")).dt.total_days().alias("age"),
        )
        rows = _with_customer_history(rows, self.events)
        rows = _with_item_facts(rows, self.disputes, self.steps)
        rows = _with_scores(rows, self.scores)
        return rows.join(self.segments, on="customer_id", how="left").with_columns(
            pl.col("segment").fill_null(-1),
            (pl.col("amount") / pl.col("mean_amount")).alias("relative_amount"),
        )


def _invoices(company: Company, until: date | None) -> pl.DataFrame:
    sql = (
        f"SELECT id, customer_id, {sql_day('date')}, {sql_day('due_date')}, amount FROM {DOC} "
        f"WHERE company_id = %s AND is_active AND amount > 0"
    )
    params: list[object] = [company.id]
    if until is not None:
        sql += " AND date <= %s"
        params.append(until)
    schema = {
        "id": pl.Int64,
        "customer_id": pl.Int64,
        "date": pl.Date,
        "due_date": pl.Date,
        "amount": pl.Int64,
    }
    return query_frame(sql, params, schema)


def _allocations(company: Company, until: date | None) -> pl.DataFrame:
    sql = f"SELECT invoice_id, {sql_day('date')}, amount FROM {ALLOC} WHERE company_id = %s"
    params: list[object] = [company.id]
    if until is not None:
        sql += " AND date <= %s"
        params.append(until)
    return query_frame(sql, params, {"invoice_id": pl.Int64, "date": pl.Date, "amount": pl.Int64})


def settlements(invoices: pl.DataFrame, allocations: pl.DataFrame) -> pl.DataFrame:
    """What was allocated to each invoice, and the day it was settled: its allocations' running
    total reaches its amount."""
    daily = (
        allocations.group_by("invoice_id", "date")
        .agg(pl.col("amount").sum())
        .sort("invoice_id", "date")
        .with_columns(pl.col("amount").cum_sum().over("invoice_id").alias("running"))
        .join(
            invoices.select("id", pl.col("amount").alias("total")),
            left_on="invoice_id",
            right_on="id",
        )
    )
    settled = (
        daily.filter(pl.col("running") >= pl.col("total"))
        .group_by("invoice_id")
        .agg(pl.col("date").min().alias("settled_on"))
    )
    return (
        daily.group_by("invoice_id")
        .agg(pl.col("amount").sum().alias("allocated"))
        .join(settled, on="invoice_id", how="left")
        .rename({"invoice_id": "id"})
    )


def _events(invoices: pl.DataFrame) -> pl.DataFrame:
    """Each settled invoice as an event of its customer's history, with the running figures of
    that history up to and including it (in order of settlement)."""
    settled = (
        invoices.filter(pl.col("settled_on").is_not_null())
        .with_columns(
            (pl.col("settled_on") - pl.col("due_date")).dt.total_days().alias("delay"),
            (pl.col("settled_on") - pl.col("date")).dt.total_days().alias("dtp"),
            pl.col("settled_on").dt.day().alias("pay_dom"),
        )
        .sort("customer_id", "settled_on", "id")
    )
    by = "customer_id"
    n = pl.int_range(1, pl.len() + 1).over(by)
    delay = pl.col("delay").cast(pl.Float64)
    return settled.select(
        by,
        pl.col("settled_on").alias("known_from"),
        n.alias("n_paid"),
        (delay.cum_sum().over(by) / n).alias("mean_delay"),
        ((delay**2).cum_sum().over(by) / n).alias("mean_sq_delay"),
        delay.rolling_median(6, min_samples=1).over(by).alias("median_delay_6"),
        delay.rolling_mean(3, min_samples=1).over(by).alias("mean_delay_3"),
        delay.alias("last_delay"),
        pl.col("dtp")
        .cast(pl.Float64)
        .rolling_median(6, min_samples=1)
        .over(by)
        .alias("median_dtp_6"),
        pl.col("pay_dom")
        .cast(pl.Float64)
        .rolling_median(6, min_samples=1)
        .over(by)
        .alias("median_pay_dom_6"),
        ((pl.col("delay") > 0).cast(pl.Float64).cum_sum().over(by) / n).alias("late_share"),
        (pl.col("amount").cast(pl.Float64).cum_sum().over(by) / n).alias("mean_amount"),
    ).with_columns(
        (pl.col("mean_sq_delay") - pl.col("mean_delay") ** 2)
        .clip(lower_bound=0)
        .sqrt()
        .alias("std_delay")
    )


def _with_customer_history(rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """The customer's history as it stood the day before the cutoff (the last event before it)."""
    history = events.drop("mean_sq_delay").sort("known_from")
    return (
        rows.sort("cutoff")
        .join_asof(
            history,
            left_on="cutoff",
            right_on="known_from",
            by="customer_id",
            strategy="backward",
            allow_exact_matches=False,
            check_sortedness=False,
        )
        .drop("known_from")
        .with_columns(pl.col("n_paid").fill_null(0))
    )


def _with_open_items(rows: pl.DataFrame) -> pl.DataFrame:
    """How many invoices the customer had open at the cutoff, and the most overdue of them."""
    open_now = rows.filter(pl.col("is_new") == 0)
    agg = open_now.group_by("customer_id", "cutoff").agg(
        pl.len().cast(pl.Int64).alias("open_count"),
        pl.col("overdue").max().alias("open_max_overdue"),
    )
    return rows.join(agg, on=["customer_id", "cutoff"], how="left").with_columns(
        pl.col("open_count").fill_null(0)
    )


def _with_item_facts(
    rows: pl.DataFrame, disputes: pl.DataFrame, steps: pl.DataFrame
) -> pl.DataFrame:
    """Disputed at the cutoff (a dispute opened before it and not closed before it), and the
    dunning steps sent about the invoice before it."""
    keys = rows.select("id", "cutoff").unique()
    disputed = (
        keys.join(disputes, left_on="id", right_on="item_id")
        .filter(
            (pl.col("opened_on") < pl.col("cutoff"))
            & (pl.col("closed_on").is_null() | (pl.col("closed_on") >= pl.col("cutoff")))
        )
        .select("id", "cutoff")
        .unique()
        .with_columns(pl.lit(1, pl.Int8).alias("disputed"))
    )
    sent = (
        keys.join(steps, left_on="id", right_on="item_id")
        .filter(pl.col("sent_on") < pl.col("cutoff"))
        .group_by("id", "cutoff")
        .agg(pl.len().cast(pl.Int64).alias("steps_sent"))
    )
    return (
        rows.join(disputed, on=["id", "cutoff"], how="left")
        .join(sent, on=["id", "cutoff"], how="left")
        .with_columns(pl.col("disputed").fill_null(0), pl.col("steps_sent").fill_null(0))
    )


def _with_scores(rows: pl.DataFrame, scores: pl.DataFrame) -> pl.DataFrame:
    return (
        rows.sort("cutoff")
        .join_asof(
            scores.sort("day"),
            left_on="cutoff",
            right_on="day",
            by="customer_id",
            strategy="backward",
            allow_exact_matches=False,
            check_sortedness=False,
        )
        .drop("day")
    )


def _disputes(company: Company) -> pl.DataFrame:
    return query_frame(
        f"SELECT item_id, {sql_day('opened_on')}, {sql_day('closed_on')} FROM {DISPUTE} "
        f"WHERE company_id = %s",
        [company.id],
        {"item_id": pl.Int64, "opened_on": pl.Date, "closed_on": pl.Date},
    )


def _steps(company: Company) -> pl.DataFrame:
    return query_frame(
        f"SELECT item_id, {sql_day('sent_on')} FROM {STEP} WHERE company_id = %s",
        [company.id],
        {"item_id": pl.Int64, "sent_on": pl.Date},
    )


def _scores(company: Company) -> pl.DataFrame:
    return query_frame(
        f"SELECT customer_id, {sql_day('day')}, score FROM {SCORE} WHERE company_id = %s",
        [company.id],
        {"customer_id": pl.Int64, "day": pl.Date, "score": pl.Float64},
    )


def _segments(company: Company) -> pl.DataFrame:
    """Each customer's segment as a small integer (the model's categories), by name order."""
    frame = query_frame(
        f"SELECT id, segment FROM {CUSTOMER} WHERE company_id = %s",
        [company.id],
        {"id": pl.Int64, "segment": pl.Utf8},
    )
    names = sorted(set(frame["segment"].fill_null("").to_list()))
    codes = {name: i for i, name in enumerate(names)}
    return frame.select(
        pl.col("id").alias("customer_id"),
        pl.col("segment").fill_null("").replace_strict(codes, return_dtype=pl.Int64),
    )


def monthly_cutoffs(as_of: date, first: date, count: int, skip: int = 1) -> list[date]:
    """Cutoffs every 30 days before ``as_of`` (the ``skip`` nearest left out), none before a
    month after ``first``.

    >>> monthly_cutoffs(date(2026, 6, 1), date(2026, 1, 1), 12)
    [datetime.date(2026, 3, 3), datetime.date(2026, 4, 2), datetime.date(2026, 5, 2)]
    """
    days = [as_of - timedelta(days=30 * k) for k in range(skip, skip + count)]
    return sorted(d for d in days if d > first + timedelta(days=30))
