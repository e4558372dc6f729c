"""GET /api/v1/companies/{company}/aging and .../kpis: the JSON of the command line."""

from __future__ import annotations

import pytest

from creditpilot.reports.aging import aging_report
from creditpilot.reports.kpis import kpi_report
from tests.api.support import AS_OF, error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]


def test_aging_is_the_hand_computed_aged_balance_to_the_cent(alice, alpha):
    response = alice.get("/api/v1/companies/alpha/aging", as_of=AS_OF)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == "8350.00"
    assert body["buckets"] == {
        "not_due": "5200.00",
        "1_30": "250.00",
        "31_60": "800.00",
        "61_90": "100.00",
        "over_90": "2400.00",
        "unapplied": "-400.00",
    }
    assert {c["code"]: c["total"] for c in body["customers"]} == {
        "ACME": "700.00",
        "GLOBEX": "3200.00",
        "INITECH": "4850.00",
        "UMBRELLA": "-400.00",
    }
    assert body == aging_report(alpha, AS_OF).as_json() | {"as_of": "2026-06-30"}


def test_a_sales_user_gets_the_aging_of_their_customers_only(sam):
    body = sam.get("/api/v1/companies/alpha/aging", as_of=AS_OF).json()
    assert [c["code"] for c in body["customers"]] == ["ACME", "GLOBEX"]
    assert body["total"] == "3900.00"  # 700 + 3200
    assert body["buckets"]["over_90"] == "2400.00"
    assert body["buckets"]["unapplied"] == "0.00"


def test_kpis_are_the_hand_computed_figures(alice, alpha):
    response = alice.get("/api/v1/companies/alpha/kpis", as_of=AS_OF)
    assert response.status_code == 200
    body = response.json()
    assert (body["dso"], body["best_possible_dso"], body["add"]) == ("60.6", "48.8", "11.8")
    assert (body["overdue_ratio"], body["cei"], body["total"]) == ("0.4057", "61.8", "8350.00")
    assert body == kpi_report(alpha, AS_OF).as_json() | {"as_of": "2026-06-30"}


def test_kpis_are_refused_to_a_sales_user(sam):
    response = sam.get("/api/v1/companies/alpha/kpis", as_of=AS_OF)
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_an_auditor_reads_the_reports(audrey):
    assert audrey.get("/api/v1/companies/alpha/aging", as_of=AS_OF).json()["total"] == "8350.00"
    assert audrey.get("/api/v1/companies/alpha/kpis", as_of=AS_OF).json()["dso"] == "60.6"


@pytest.mark.parametrize("report", ["aging", "kpis"])
def test_it_rejects_a_date_that_is_not_one(alice, report):
    response = alice.get(f"/api/v1/companies/alpha/{report}", as_of="30/06/2026")
    assert response.status_code == 422
    error = error_of(response)
    assert (error["code"], list(error["fields"])) == ("invalid_input", ["as_of"])
