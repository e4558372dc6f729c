"""Forecasts kept (one per company and day) and measured afterwards against what was collected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection, transaction

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer
from creditpilot.forecast.cashin import TOP_CUSTOMERS, Forecast, forecast_for, summarize
from creditpilot.forecast.models import ForecastRun, PredictedPayment
from creditpilot.receivables.models import Allocation

ALLOC = Allocation._meta.db_table
ITEM = PredictedPayment._meta.db_table
ACCURACY_WEEKS = 13


def do_store_forecast(company: Company, as_of: date) -> ForecastRun:
    """Compute the day's forecast and keep it (again for the same day: replaced); the
    predictions of older runs that no measure needs any more go."""
    forecast = forecast_for(company, as_of)
    run = store(company, forecast)
    prune(company, as_of)
    return run


def store(company: Company, forecast: Forecast) -> ForecastRun:
    items = forecast.items
    with transaction.atomic():
        ForecastRun.objects.filter(company=company, day=forecast.as_of).delete()
        run = ForecastRun.objects.create(
            company=company,
            day=forecast.as_of,
            method=forecast.method,
            n_train=forecast.n_train,
            summary=forecast.as_json(customers=TOP_CUSTOMERS),
        )
        if items is not None and not items.is_empty():
            PredictedPayment.objects.bulk_create(
                (
                    PredictedPayment(
                        run=run,
                        customer_id=row[1],
                        invoice_id=row[0],
                        open_amount=row[2],
                        low=row[3],
                        predicted=row[4],
                        high=row[5],
                    )
                    for row in items.iter_rows()
                ),
                batch_size=5000,
            )
    return run


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def prune(company: Company, as_of: date) -> int:
    """Drop the per-invoice predictions no later measure reads, keeping each run's summary:
    ``accuracy`` reads, for each past week, the last run kept before it began, so a past
    week's last run keeps its items for 13 weeks more; the latest run keeps them for the
    pages. A company's table then holds about 15 runs' open invoices, not a year's."""
    runs = list(ForecastRun.objects.filter(company=company).values_list("id", "day"))
    if not runs:
        return 0
    latest = max(runs, key=lambda run: run[1])
    oldest_kept = _monday(as_of) - timedelta(weeks=ACCURACY_WEEKS + 1)
    last_of_week: dict[date, tuple[int, date]] = {}
    for run_id, day in runs:
        week = _monday(day)
        if week < _monday(latest[1]) and day > last_of_week.get(week, (0, date.min))[1]:
            last_of_week[week] = (run_id, day)
    keep = {latest[0]} | {
        run_id for week, (run_id, _) in last_of_week.items() if week >= oldest_kept
    }
    dropped = [run_id for run_id, _ in runs if run_id not in keep]
    deleted, _ = PredictedPayment.objects.filter(run_id__in=dropped).delete()
    return deleted


def latest_run(company: Company, as_of: date) -> ForecastRun | None:
    """The forecast kept on ``as_of``, else the last one before it (within a week)."""
    return (
        ForecastRun.objects.filter(
            company=company, day__lte=as_of, day__gt=as_of - timedelta(days=7)
        )
        .order_by("-day")
        .first()
    )


def customer_predictions(customer: Customer, as_of: date) -> dict[int, PredictedPayment]:
    """The customer's open invoices' predicted payments of the latest kept forecast, by invoice."""
    run = latest_run(customer.company, as_of)
    if run is None:
        return {}
    items = PredictedPayment.objects.filter(run=run, customer=customer).select_related("invoice")
    return {p.invoice_id: p for p in items}


def run_items(run: ForecastRun) -> pl.DataFrame:
    """The run's predicted invoices as a frame (what ``cashin.summarize`` reads)."""
    rows = list(
        PredictedPayment.objects.filter(run=run).values_list(
            "invoice_id", "customer_id", "open_amount", "low", "predicted", "high"
        )
    )
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.Int64,
            "customer_id": pl.Int64,
            "open": pl.Int64,
            "low": pl.Date,
            "predicted": pl.Date,
            "high": pl.Date,
        },
        orient="row",
    )


def run_forecast(run: ForecastRun, customer_ids: set[int]) -> Forecast:
    """A kept run's forecast over some customers only (a sales rep's)."""
    return summarize(
        run.company, run.day, run_items(run), run.method, run.n_train, customer_ids=customer_ids
    )


@dataclass(frozen=True)
class WeekAccuracy:
    start: date
    end: date
    made_on: date  # the day of the forecast measured
    expected: Decimal
    low: Decimal
    high: Decimal
    actual: Decimal

    @property
    def error(self) -> Decimal:
        return self.actual - self.expected

    @property
    def within_band(self) -> bool:
        return self.low <= self.actual <= self.high

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "made_on": self.made_on.isoformat(),
            "expected": str(self.expected),
            "low": str(self.low),
            "high": str(self.high),
            "actual": str(self.actual),
            "within_band": self.within_band,
        }


def accuracy(company: Company, as_of: date) -> list[WeekAccuracy]:
    """Each of the last 13 calendar weeks ended by ``as_of``: what the last forecast kept before
    the week began expected of it (one of its 13 weeks), beside what its open invoices actually
    brought in that week."""
    this_monday = as_of + timedelta(days=1) - timedelta(days=(as_of + timedelta(days=1)).weekday())
    runs = list(
        ForecastRun.objects.filter(
            company=company,
            day__lt=this_monday,
            day__gte=this_monday - timedelta(days=7 * (2 * ACCURACY_WEEKS + 1)),
        ).order_by("day")
    )
    rows = []
    for k in range(ACCURACY_WEEKS, 0, -1):
        start = this_monday - timedelta(days=7 * k)
        end = start + timedelta(days=6)
        if end > as_of:
            continue
        before = [r for r in runs if r.day < start]
        if not before:
            continue
        run = before[-1]
        period = _period_of(run, start, end)
        if period is None:
            continue
        rows.append(
            WeekAccuracy(
                start,
                end,
                run.day,
                Decimal(period["expected"]),
                Decimal(period["low"]),
                Decimal(period["high"]),
                _collected(run, start, end),
            )
        )
    return rows


def _period_of(run: ForecastRun, start: date, end: date) -> dict[str, str] | None:
    for period in run.summary.get("weeks", []):
        if period["end"] == end.isoformat() and period["start"] <= start.isoformat():
            return dict(period)
    return None


def _collected(run: ForecastRun, start: date, end: date) -> Decimal:
    """What the run's open invoices received in allocations dated within the week."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT COALESCE(SUM(a.amount), 0) FROM {ALLOC} a "
            f"JOIN {ITEM} p ON p.invoice_id = a.invoice_id "
            f"WHERE p.run_id = %s AND a.company_id = %s AND a.date >= %s AND a.date <= %s",
            [run.id, run.company_id, start, end],
        )
        cents = cur.fetchone()[0]
    return Decimal(int(cents)).scaleb(-2)
