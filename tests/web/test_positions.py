"""Cached positions give exactly the figures of ``report aging`` and ``report kpis``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from creditpilot.companies.services import do_init
from creditpilot.receivables.services import do_import_fec
from creditpilot.reports.aging import aging_report
from creditpilot.reports.kpis import kpi_report
from creditpilot.reports.models import PositionSnapshot
from creditpilot.reports.positions import aging_from_positions, kpi_trend, kpis_at, positions

pytestmark = [pytest.mark.store, pytest.mark.django_db]


@pytest.fixture
def demo_company(tmp_path):
    from creditpilot.demo import generate_demo
    from creditpilot.receivables.customers import do_import_customers

    company = do_init()
    files = generate_demo(tmp_path, customers=40, end=date(2026, 10, 31), seed=7, lines=6000)
    do_import_customers(company, files.customers)
    for fec in files.fec:
        do_import_fec(company, fec)
    return company


@pytest.mark.parametrize(
    "as_of", ["2025-03-15", "2025-12-31", "2026-06-30", "2026-10-31", "2027-02-01"]
)
def test_positions_equal_the_aging_report(demo_company, as_of):
    day = date.fromisoformat(as_of)
    assert (
        aging_from_positions(demo_company, day).as_json()
        == aging_report(demo_company, day).as_json()
    )


def test_kpis_of_the_cache_equal_the_kpi_report(demo_company):
    day = date(2026, 10, 31)
    expected = kpi_report(demo_company, day).as_json()
    expected.pop("top_debtors")
    assert {
        k: v for k, v in kpis_at(demo_company, day).items() if not k.startswith("_")
    } == expected
    trend = kpi_trend(demo_company, day)
    assert [t["as_of"] for t in trend][-2:] == ["2026-09-30", "2026-10-31"]
    sept = kpi_report(demo_company, date(2026, 9, 30)).as_json()
    assert trend[-2]["dso"] == sept["dso"] and trend[-2]["cei"] == sept["cei"]


def test_a_change_of_the_ledger_makes_the_cache_stale(demo_company):
    day = date(2026, 10, 31)
    first = positions(demo_company, day)
    assert positions(demo_company, day).pk == first.pk  # cached
    from creditpilot.receivables.rebuild import do_rebuild

    do_rebuild(demo_company)
    second = positions(demo_company, day)
    assert second.pk != first.pk
    assert not PositionSnapshot.objects.filter(pk=first.pk).exists()  # stale ones are dropped
    assert (
        aging_from_positions(demo_company, day + timedelta(days=1)).as_json()
        == aging_report(demo_company, day + timedelta(days=1)).as_json()
    )


def test_aged_totals_at_many_dates_equal_the_date_by_date_figures(demo_company):
    from creditpilot.reports.aging import aged_totals
    from creditpilot.reports.aging_frames import aged_totals_at

    days = [
        date(2024, 12, 31),
        date(2025, 6, 15),
        date(2026, 1, 31),
        date(2026, 10, 31),
        date(2027, 1, 1),
    ]
    many = aged_totals_at(demo_company, days)
    for day in days:
        assert many[day].cents == aged_totals(demo_company, day).cents, day


def test_the_apis_kept_aging_follows_a_renamed_customer(demo_company):
    import json

    from creditpilot.customers.models import Customer
    from creditpilot.receivables.customers import do_update_customer
    from creditpilot.reports.positions import aging_json_bytes

    day = date(2026, 10, 31)
    first = json.loads(aging_json_bytes(demo_company, day))
    assert first == aging_report(demo_company, day).as_json()
    code = first["customers"][0]["code"]
    customer = Customer.objects.get(company=demo_company, code=code)
    do_update_customer(demo_company, customer, {"segment": "Renamed segment"}, actor=None)
    Customer.objects.filter(pk=customer.pk).update(name="Renamed SA")
    from creditpilot.reports.positions import sync_customer

    sync_customer(Customer.objects.get(pk=customer.pk))
    again = json.loads(aging_json_bytes(demo_company, day))
    assert again["customers"][0]["name"] == "Renamed SA"
    assert again == aging_report(demo_company, day).as_json()


def test_the_daily_run_prepares_the_days_positions_and_trend(demo_company):
    from creditpilot.orchestration.daily import do_daily_run

    day = date(2026, 11, 2)
    result = do_daily_run(demo_company, day)
    demo_company.refresh_from_db()
    snaps = PositionSnapshot.objects.filter(
        company=demo_company, ledger_version=demo_company.ledger_version
    )
    assert snaps.get(as_of=day).kpis["_positions"] is True
    assert snaps.count() == 13  # the day (with positions) and the 12 month ends before it
    assert result.total == aging_report(demo_company, day).total.total
