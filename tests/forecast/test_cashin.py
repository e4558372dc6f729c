"""The cash-in forecast by hand: the weeks and months an invoice falls in, the kept run of the
daily run, and a past week's forecast against what was collected."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditpilot.companies.services import do_init
from creditpilot.forecast.cashin import forecast_for
from creditpilot.forecast.models import ForecastRun, PredictedPayment
from creditpilot.forecast.services import accuracy, do_store_forecast
from creditpilot.orchestration.daily import do_daily_run
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices

pytestmark = [pytest.mark.store, pytest.mark.django_db]

AS_OF = date(2026, 6, 30)  # a Tuesday
CUSTOMERS = """code,name,siren,country,segment,payment_terms
A,A SA,,FR,PME,NET30
B,B SARL,,FR,TPE,NET30
"""
# the book as known later: F1 and F2 paid in the week of 6 July, after the forecast
INVOICES = """customer_code,number,date,due_date,amount,currency,paid_date,paid_amount
A,F1,2026-05-01,2026-05-31,1000.00,EUR,2026-07-08,1000.00
A,F2,2026-06-10,2026-07-10,500.00,EUR,2026-07-09,500.00
B,F3,2026-06-15,2026-07-15,200.00,EUR,,
B,F4,2026-08-01,2026-08-31,999.00,EUR,,
"""


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(INVOICES)
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def test_each_invoice_falls_in_its_week_and_month(company):
    forecast = forecast_for(company, AS_OF)
    # no settlement known by 30 June: each invoice at its due date (F1's is past: at once)
    assert forecast.method == "fallback" and "history too short" in forecast.reason
    assert forecast.open == Decimal("1700.00")  # F4 is dated after the date: not known
    assert [(p.start, p.end) for p in forecast.weeks[:2]] == [
        (date(2026, 7, 1), date(2026, 7, 5)),
        (date(2026, 7, 6), date(2026, 7, 12)),
    ]
    assert [p.expected for p in forecast.weeks[:4]] == [
        Decimal("1000.00"),
        Decimal("500.00"),
        Decimal("200.00"),
        Decimal("0.00"),
    ]
    assert forecast.months[0].expected == Decimal("1700.00") and forecast.later == 0
    by_customer = {g.key: g.weeks[1].expected for g in forecast.by_customer}
    assert by_customer == {"A": Decimal("500.00"), "B": Decimal("0.00")}
    assert {g.key: g.open for g in forecast.by_segment} == {
        "PME": Decimal("1500.00"),
        "TPE": Decimal("200.00"),
    }


def test_the_daily_run_keeps_the_days_forecast_once(company):
    do_daily_run(company, AS_OF)
    do_daily_run(company, AS_OF)  # again: replaced, not doubled
    run = ForecastRun.objects.get(company=company, day=AS_OF)
    items = PredictedPayment.objects.filter(run=run)
    assert sorted(i.open_amount for i in items) == [200_00, 500_00, 1000_00]
    assert all(AS_OF < i.low <= i.predicted <= i.high for i in items)


def test_a_past_weeks_forecast_against_what_came_in(company):
    do_store_forecast(company, AS_OF)
    rows = accuracy(company, date(2026, 7, 19))
    # the week of 29 June began before the forecast: not measured
    assert [(r.start, r.made_on) for r in rows] == [
        (date(2026, 7, 6), AS_OF),
        (date(2026, 7, 13), AS_OF),
    ]
    week = rows[0]
    # expected: F2 (500.00); came in: F1 and F2, 1,500.00
    assert (week.expected, week.actual, week.within_band) == (
        Decimal("500.00"),
        Decimal("1500.00"),
        False,
    )
    assert (rows[1].expected, rows[1].actual) == (Decimal("200.00"), Decimal("0.00"))


def test_old_runs_keep_their_summary_and_only_the_predictions_a_measure_reads(company):
    from datetime import timedelta

    from creditpilot.forecast.services import prune

    first = date(2026, 5, 1)  # a Friday
    days = [first + timedelta(days=n) for n in range(0, 120, 3)]
    for day in days:
        do_store_forecast(company, day)
    kept = {
        run.day: run.items.count()
        for run in ForecastRun.objects.filter(company=company).prefetch_related("items")
    }
    assert len(kept) == len(days)  # every run keeps its summary
    with_items = sorted(day for day, n in kept.items() if n)
    last = days[-1]
    monday = last - timedelta(days=last.weekday())
    # the latest run, and each earlier week's last run within the 14 weeks measured
    weeks: dict[date, date] = {}
    for day in days:
        week = day - timedelta(days=day.weekday())
        if week < monday and week >= monday - timedelta(weeks=14):
            weeks[week] = max(weeks.get(week, day), day)
    assert with_items == sorted([*weeks.values(), last])
    assert prune(company, last) == 0  # nothing more to drop
    assert accuracy(company, last)  # the measures still find their runs
