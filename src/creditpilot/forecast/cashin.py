"""The cash-in forecast: what the open invoices are expected to bring in, by week for 13 weeks
and by month for 6, with an 80 % band, split by rating, segment and customer.

Each open invoice's predicted day and its 80 % interval (``model.py``, trained on the history
settled by the date; with too short a history, the invoice's due date shifted by the company's
own 10 %, 50 % and 90 % days late, or the due date alone) give it a distribution of its
payment day: linear between the 10 %, 50 % and 90 % points, with tails as wide as the nearer
half-interval. Its open amount falls into each period with that period's probability (what is
expected before the first day counts in the first period: it is late, and expected at once).
A period's expected amount is the sum over invoices; its band, ±1.28 standard deviations of
that sum taken as independent invoices paid whole or not at all in the period (at least 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer
from creditpilot.forecast.features import History
from creditpilot.forecast.model import HistoryTooShortError, train

WEEKS, MONTHS = 13, 6
Z80 = 1.2816  # the normal quantile of 90 %: an 80 % band
TOP_CUSTOMERS = 100  # kept in a stored forecast's summary


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last day
    expected: Decimal
    low: Decimal
    high: Decimal

    def as_json(self) -> dict[str, str]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "expected": str(self.expected),
            "low": str(self.low),
            "high": str(self.high),
        }


@dataclass(frozen=True)
class Group:
    key: str  # a rating, a segment or a customer's code ("" for none)
    name: str
    open: Decimal
    weeks: list[Period]
    months: list[Period]

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "open": str(self.open),
            "weeks": [p.as_json() for p in self.weeks],
            "months": [p.as_json() for p in self.months],
        }


@dataclass
class Forecast:
    as_of: date
    currency: str
    method: str  # "model", or "fallback" with ``reason``
    n_train: int
    open: Decimal
    weeks: list[Period]
    months: list[Period]
    later: Decimal  # expected after the 13 weeks
    by_rating: list[Group] = field(default_factory=list)
    by_segment: list[Group] = field(default_factory=list)
    by_customer: list[Group] = field(default_factory=list)
    reason: str = ""
    items: pl.DataFrame | None = (
        None  # each open invoice: id, customer_id, open, low/predicted/high
    )

    def as_json(self, customers: int | None = None) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "method": self.method,
            "reason": self.reason,
            "n_train": self.n_train,
            "open": str(self.open),
            "later": str(self.later),
            "weeks": [p.as_json() for p in self.weeks],
            "months": [p.as_json() for p in self.months],
            "by_rating": [g.as_json() for g in self.by_rating],
            "by_segment": [g.as_json() for g in self.by_segment],
            "by_customer": [g.as_json() for g in self.by_customer[:customers]],
        }


def week_bounds(as_of: date) -> list[tuple[date, date]]:
    """The 13 calendar weeks (Monday to Sunday) from the day after ``as_of``: the first may be
    cut short.

    >>> week_bounds(date(2026, 10, 28))[:2]
    [(datetime.date(2026, 10, 29), datetime.date(2026, 11, 1)), (datetime.date(2026, 11, 2), datetime.date(2026, 11, 8))]
    """
    first = as_of + timedelta(days=1)
    monday = first - timedelta(days=first.weekday())
    return [
        (max(first, monday + timedelta(days=7 * k)), monday + timedelta(days=7 * k + 6))
        for k in range(WEEKS)
    ]


def month_bounds(as_of: date) -> list[tuple[date, date]]:
    """The 6 calendar months from the day after ``as_of`` (the first cut short).

    >>> month_bounds(date(2026, 10, 31))[0], month_bounds(date(2026, 10, 15))[0]
    ((datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)), (datetime.date(2026, 10, 16), datetime.date(2026, 10, 31)))
    """
    first = as_of + timedelta(days=1)
    bounds = []
    start = first
    for _ in range(MONTHS):
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        bounds.append((start, following - timedelta(days=1)))
        start = following
    return bounds


def predict_open(company: Company, as_of: date) -> tuple[pl.DataFrame, str, int, str]:
    """Each invoice open at the end of ``as_of`` with its open cents and predicted days; the
    method, the rows trained on and the reason of a fallback."""
    history = History(company, until=as_of)
    cutoff = as_of + timedelta(days=1)
    rows = (
        history.rows([cutoff], 0)
        .with_columns((pl.col("amount") - pl.col("allocated")).alias("open"))
        .filter(pl.col("open") > 0)
    )
    try:
        model = train(history, cutoff)
    except HistoryTooShortError as err:
        return _fallback(history, rows, cutoff), "fallback", 0, str(err)
    return model.predict(rows), "model", model.n_train, ""


def _fallback(history: History, rows: pl.DataFrame, cutoff: date) -> pl.DataFrame:
    """The due date shifted by the company's 10 %, 50 % and 90 % days late (the due date alone
    without any settlement), none before the cutoff."""
    known = history.invoices.filter(pl.col("settled_on") < cutoff).select(
        (pl.col("settled_on") - pl.col("due_date")).dt.total_days().alias("delay")
    )["delay"]
    qs = [int(round(known.quantile(q) or 0)) if len(known) else 0 for q in (0.1, 0.5, 0.9)]
    floor = pl.max_horizontal(pl.col("cutoff"), pl.col("date"))
    return rows.with_columns(
        pl.max_horizontal(pl.col("due_date") + timedelta(days=q), floor).alias(name)
        for q, name in zip(qs, ("low", "predicted", "high"), strict=True)
    )


def probabilities(items: pl.DataFrame, bounds: list[tuple[date, date]]) -> np.ndarray:
    """Each invoice's chance of being paid within each period (rows × periods)."""
    if items.is_empty():
        return np.zeros((0, len(bounds)))
    epoch = date(1970, 1, 1)

    def days(col: str) -> np.ndarray:
        return (items[col] - epoch).dt.total_days().to_numpy().astype(float)

    low, mid, high = days("low"), days("predicted"), days("high")
    knots = [
        low - np.maximum(mid - low, 1.0),
        low,
        np.maximum(mid, low + 0.5),
        np.maximum(high, mid + 1.0),
        np.maximum(high, mid + 1.0) + np.maximum(high - mid, 1.0),
    ]
    for i in range(1, 5):
        knots[i] = np.maximum(knots[i], knots[i - 1] + 0.5)
    steps = [0.1, 0.4, 0.4, 0.1]

    def cdf(t: float) -> np.ndarray:
        total = np.zeros(len(low))
        for i, dy in enumerate(steps):
            total += dy * np.clip((t - knots[i]) / (knots[i + 1] - knots[i]), 0.0, 1.0)
        return total

    edges = [cdf(-math.inf)] + [cdf((end - epoch).days + 1.0) for _, end in bounds]
    return np.stack([edges[k + 1] - edges[k] for k in range(len(bounds))], axis=1)


def _periods(bounds: list[tuple[date, date]], amounts: np.ndarray, p: np.ndarray) -> list[Period]:
    return _bands(bounds, amounts @ p, (amounts**2) @ (p * (1 - p)))


def _bands(
    bounds: list[tuple[date, date]], expected: np.ndarray, variance: np.ndarray
) -> list[Period]:
    spread = Z80 * np.sqrt(variance)
    return [
        Period(
            start,
            end,
            _euros(expected[k]),
            _euros(max(expected[k] - spread[k], 0.0)),
            _euros(expected[k] + spread[k]),
        )
        for k, (start, end) in enumerate(bounds)
    ]


def _euros(cents: float) -> Decimal:
    return Decimal(int(round(cents))).scaleb(-2)


def _groups(
    items: pl.DataFrame,
    key: str,
    names: dict[str, str],
    pw: np.ndarray,
    pm: np.ndarray,
    weeks: list[tuple[date, date]],
    months: list[tuple[date, date]],
) -> list[Group]:
    """The periods of each value of ``key``: sums by group, at once over every period."""
    if items.is_empty():
        return []
    values, index = np.unique(items[key].to_numpy().astype(str), return_inverse=True)
    amounts = items["open"].to_numpy().astype(float)

    def summed(matrix: np.ndarray) -> np.ndarray:
        total = np.zeros((len(values), matrix.shape[1]))
        np.add.at(total, index, matrix)
        return total

    opened = np.bincount(index, weights=amounts, minlength=len(values))
    sums = {
        name: (summed(amounts[:, None] * p), summed((amounts**2)[:, None] * p * (1 - p)))
        for name, p in (("weeks", pw), ("months", pm))
    }
    return [
        Group(
            str(value),
            names.get(str(value), str(value)),
            _euros(opened[g]),
            _bands(weeks, sums["weeks"][0][g], sums["weeks"][1][g]),
            _bands(months, sums["months"][0][g], sums["months"][1][g]),
        )
        for g, value in enumerate(values)
    ]


def forecast_for(company: Company, as_of: date) -> Forecast:
    """The cash-in forecast at the end of ``as_of``, from the ledger known then."""
    items, method, n_train, reason = predict_open(company, as_of)
    return summarize(company, as_of, items, method, n_train, reason)


def summarize(
    company: Company,
    as_of: date,
    items: pl.DataFrame,
    method: str,
    n_train: int,
    reason: str = "",
    customer_ids: set[int] | None = None,
) -> Forecast:
    """The forecast of predicted invoices (``id``, ``customer_id``, ``open``, ``low``,
    ``predicted``, ``high``): periods and splits; only ``customer_ids``' when given."""
    customers = Customer.objects.filter(company=company)
    if customer_ids is not None:
        customers = customers.filter(id__in=customer_ids)
        items = items.filter(pl.col("customer_id").is_in(list(customer_ids)))
    rows = list(customers.values_list("id", "code", "name", "rating", "segment"))
    info = pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "code": [r[1] for r in rows],
            "rating": [r[3] or "" for r in rows],
            "segment_name": [r[4] or "" for r in rows],
        },
        schema={
            "customer_id": pl.Int64,
            "code": pl.Utf8,
            "rating": pl.Utf8,
            "segment_name": pl.Utf8,
        },
    )
    items = items.join(info, on="customer_id", how="inner").sort("customer_id", "id")
    weeks, months = week_bounds(as_of), month_bounds(as_of)
    pw, pm = probabilities(items, weeks), probabilities(items, months)
    amounts = items["open"].to_numpy().astype(float)
    later = float((amounts * (1 - pw.sum(axis=1))).sum()) if len(amounts) else 0.0
    names = {r[1]: r[2] for r in rows}
    by_customer = _groups(items, "code", names, pw, pm, weeks, months)
    by_customer.sort(key=lambda g: (-sum(p.expected for p in g.weeks), g.key))
    return Forecast(
        as_of=as_of,
        currency=company.currency,
        method=method,
        n_train=n_train,
        reason=reason,
        open=_euros(amounts.sum()),
        weeks=_periods(weeks, amounts, pw),
        months=_periods(months, amounts, pm),
        later=_euros(later),
        by_rating=_groups(items, "rating", {}, pw, pm, weeks, months),
        by_segment=_groups(items, "segment_name", {}, pw, pm, weeks, months),
        by_customer=by_customer,
        items=items.select("id", "customer_id", "open", "low", "predicted", "high"),
    )
