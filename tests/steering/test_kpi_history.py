"""The KPI history: month-end snapshots equal to ``report kpis`` at the month end, by
segment and sales rep by hand, kept when a later import changes the ledger, taken once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditpilot.customers.models import Customer
from creditpilot.orchestration.daily import do_daily_run_now
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.reports.kpis import kpi_report
from creditpilot.risk.models import RiskScore
from creditpilot.steering.history import do_take_month_end_snapshots, history, snapshot_json
from creditpilot.steering.models import KpiSnapshot
from tests.steering.conftest import INVOICES

pytestmark = [pytest.mark.store, pytest.mark.django_db]
JAN, FEB = date(2026, 1, 31), date(2026, 2, 28)


def snap(company, day, group_by="company", key=""):
    return KpiSnapshot.objects.get(company=company, month_end=day, group_by=group_by, group_key=key)


def test_the_company_snapshots_are_report_kpis_at_the_month_ends(company):
    taken = do_take_month_end_snapshots(company, date(2026, 3, 5))
    assert taken.on_time == [FEB] and taken.backfilled == [JAN]
    assert "1 backfilled (2026-01-31 to 2026-01-31)" in taken.summary()
    for day in (JAN, FEB):
        kpis = kpi_report(company, day).as_json()
        got = snapshot_json(snap(company, day))
        for name in ("dso", "best_possible_dso", "add", "cei", "overdue_ratio", "total"):
            assert got[name] == kpis[name], (day, name)
        assert got["buckets"]["not_due"] == kpis["not_due"]
    assert snap(company, JAN).backfilled and not snap(company, FEB).backfilled


def test_the_figures_by_hand(company):
    do_take_month_end_snapshots(company, date(2026, 3, 5))
    jan, feb = snap(company, JAN), snap(company, FEB)
    # January: 3,000.00 owed, none due, January's sales 3,000.00: 31 days; CEI has no base
    assert (jan.total, jan.not_due, jan.dso, jan.best_possible_dso) == (
        300000, 300000, Decimal("31.0"), Decimal("31.0"),
    )  # fmt: skip
    assert jan.cei is None and jan.overdue_ratio == Decimal("0")
    # February: 3,000.00 owed, 2,000.00 of it 9 days late; sales 1,000.00 then 3,000.00:
    # DSO 28 + 31 x 2000/3000, best 28 x 1000/1000, CEI (3000+1000-3000)/(3000+1000-1000)
    assert (feb.dso, feb.best_possible_dso, feb.add) == (
        Decimal("48.7"), Decimal("28.0"), Decimal("20.7"),
    )  # fmt: skip
    assert (feb.d1_30, feb.overdue_ratio, feb.cei) == (200000, Decimal("0.6667"), Decimal("33.3"))
    assert feb.sales_month == 100000
    # Acme (PME): 600.00 not due against February's 600.00; CEI (1000+600-600)/(1000+600-600)
    pme = snap(company, FEB, "segment", "PME")
    assert (pme.total, pme.dso, pme.cei) == (60000, Decimal("28.0"), Decimal("100.0"))
    # bob (Globex): 2,400.00, 28 + 31 x 2000/2000 days; best 28; nothing collected: CEI 0
    bob = snap(company, FEB, "sales_rep", "bob")
    assert (bob.total, bob.dso, bob.best_possible_dso, bob.add, bob.cei) == (
        240000, Decimal("59.0"), Decimal("28.0"), Decimal("31.0"), Decimal("0.0"),
    )  # fmt: skip
    assert snap(company, FEB, "sales_rep", "alice").total == 60000


def test_expected_loss_uses_the_last_score_on_or_before_the_month_end(company):
    globex = Customer.objects.get(company=company, code="GLOBEX")
    RiskScore.objects.create(
        company=company, customer=globex, day=date(2026, 2, 15), score=40, rating="D",
        pd=Decimal("0.1000"),
    )  # fmt: skip
    RiskScore.objects.create(
        company=company, customer=globex, day=date(2026, 3, 1), score=20, rating="E",
        pd=Decimal("0.5000"),
    )  # fmt: skip
    do_take_month_end_snapshots(company, date(2026, 3, 5))
    assert snap(company, FEB).expected_loss == 24000  # 2,400.00 x 10 %
    assert snap(company, FEB, "segment", "GE").expected_loss == 24000
    assert snap(company, FEB, "segment", "PME").expected_loss is None  # Acme has no score
    assert snap(company, JAN).expected_loss is None  # no score yet at the end of January


def test_snapshots_survive_a_later_import_that_changes_the_ledger(company, tmp_path):
    do_take_month_end_snapshots(company, date(2026, 3, 5))
    before = [snapshot_json(s) for s in history(company)]
    # A2 turns out to have been paid on 27 February: the ledger of February changes
    (tmp_path / "i2.csv").write_text(
        INVOICES.replace(
            "ACME,A2,2026-02-05,2026-03-07,600.00,EUR,,",
            "ACME,A2,2026-02-05,2026-03-07,600.00,EUR,2026-02-27,600.00",
        )
    )
    do_import_invoices(company, tmp_path / "i2.csv")
    assert kpi_report(company, FEB).as_json()["total"] == "2400.00"
    do_take_month_end_snapshots(company, date(2026, 3, 6))
    assert [snapshot_json(s) for s in history(company)] == before
    assert before[-1]["total"] == "3000.00"


def test_the_month_end_step_is_idempotent_and_runs_in_the_daily_run(company):
    first = do_take_month_end_snapshots(company, date(2026, 3, 5))
    count = KpiSnapshot.objects.count()
    assert count == 2 * (1 + 2 + 2) and first.taken  # company, 2 segments, 2 reps; 2 month ends
    again = do_take_month_end_snapshots(company, date(2026, 3, 5))
    assert not again.taken and KpiSnapshot.objects.count() == count
    result = do_daily_run_now(company, date(2026, 3, 31))
    assert "take_kpi_snapshots" in result.steps
    assert "KPI snapshots: 2026-03-31" in result.summary()
    assert KpiSnapshot.objects.filter(month_end=date(2026, 3, 31), backfilled=False).count() == 5
    do_daily_run_now(company, date(2026, 4, 1))
    assert KpiSnapshot.objects.count() == count + 5
