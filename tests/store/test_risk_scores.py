"""Payment behaviour read from the ledger at a date, and the scorecard's scores and reasons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditpilot.companies.services import do_init
from creditpilot.orchestration.daily import do_daily_run
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.risk.behaviour import behaviour_frame, company_scores, scores_json
from creditpilot.risk.models import RiskScore

pytestmark = [pytest.mark.store, pytest.mark.django_db]

AS_OF = date(2026, 6, 30)
CUSTOMERS = """code,name,siren,country,segment,payment_terms
LATE,Late SARL,,FR,PME,NET30
GOOD,Good SA,,FR,PME,NET30
BAD,Bad SAS,,FR,PME,NET30
"""
INVOICES = """customer_code,number,date,due_date,amount,currency,paid_date,paid_amount
LATE,L1,2026-04-01,2026-05-01,1000.00,EUR,2026-05-21,1000.00
LATE,L2,2026-05-01,2026-05-31,3000.00,EUR,2026-06-10,3000.00
GOOD,G1,2026-04-01,2026-05-01,2000.00,EUR,2026-04-30,2000.00
BAD,B1,2026-03-01,2026-03-31,5000.00,EUR,,
BAD,B2,2026-07-15,2026-08-14,9000.00,EUR,,
"""


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(INVOICES)
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def test_behaviour_by_hand(company):
    rows = {r["customer_id"]: r for r in behaviour_frame(company, AS_OF).iter_rows(named=True)}
    by_code = {c.code: c.pk for c in company.customers.all()}
    late = rows[by_code["LATE"]]
    # (1,000 x 20 + 3,000 x 10) / 4,000 = 12.5 days; both invoices paid late, none over 30
    assert late["wadl"] == pytest.approx(12.5)
    assert (late["paid_late_share"], late["paid_over_30_share"]) == (1.0, 0.0)
    bad = rows[by_code["BAD"]]
    # B1 open, 91 days late at the date; B2 is dated after it: not known then
    assert (bad["wadl"], bad["owed"], bad["over_60"], bad["longest"]) == (91.0, 500000, 500000, 91)
    assert rows[by_code["GOOD"]]["wadl"] == 0.0


def test_scores_rank_the_customers_and_say_why(company):
    cards = {c.customer: c for c in company_scores(company, AS_OF).cards}
    assert cards["GOOD"].score > cards["LATE"].score > cards["BAD"].score
    assert (cards["GOOD"].rating, cards["BAD"].rating) == ("A", "E")
    assert cards["LATE"].reasons("en")[0] == "pays on average 13 days late"
    assert cards["BAD"].reasons("fr")[:2] == [
        "paie en moyenne 91 jours en retard",
        "100 % de son encours a plus de 60 jours de retard",
    ]
    assert cards["BAD"].pd > Decimal("0.5") > cards["GOOD"].pd


def test_the_contract_and_the_daily_history(company):
    body = scores_json(company_scores(company, AS_OF))
    assert [set(c) for c in body["customers"]] == [{"code", "score", "rating", "pd", "drivers"}] * 3
    do_daily_run(company, AS_OF)
    do_daily_run(company, AS_OF)  # again: the day's scores are replaced, not doubled
    assert RiskScore.objects.filter(company=company, day=AS_OF).count() == 3


def test_the_backtest_on_the_demo_beats_the_days_late_baseline():
    from creditpilot.receivables.demo_load import do_load_demo
    from creditpilot.risk.backtest import backtest

    company = do_load_demo(None, customers=120, lines=None, seed=7, end=date(2026, 12, 3)).company
    result = backtest(company, date(2026, 6, 1))
    assert set(result) == {"as_of", "until", "n", "positives", "model", "baselines", "calibration"}
    assert result["until"] == "2026-12-03" and result["n"] >= 110
    assert 0 < result["positives"] < result["n"]
    model, days = result["model"], result["baselines"]["days_late"]
    assert model["auc"] > days["auc"] > 0.5
    assert model["brier"] < days["brier"]
    assert [row["rating"] for row in result["calibration"]] == list("ABCDE")
    assert sum(row["n"] for row in result["calibration"]) == result["n"]
