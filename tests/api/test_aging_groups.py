"""GET /api/v1/companies/{company}/aging?by=segment|sales_rep|currency, on the hand ledger.

Alpha's customers (tests/api/conftest.py): ACME PME Sam 700.00; GLOBEX ETI Sam 3200.00;
INITECH GE Nadia 4850.00; UMBRELLA PME (no rep) -400.00.
"""

from __future__ import annotations

import pytest

from creditpilot.reports.aging import aging_report, group_aging
from tests.api.support import AS_OF

pytestmark = [pytest.mark.store, pytest.mark.django_db]


def test_aging_by_segment_to_the_cent(alice, alpha):
    response = alice.get("/api/v1/companies/alpha/aging", as_of=AS_OF, by="segment")
    assert response.status_code == 200
    body = response.json()
    assert (body["by"], body["total"], body["buckets"]["unapplied"]) == (
        "segment",
        "8350.00",
        "-400.00",
    )
    assert {g["key"]: g["total"] for g in body["groups"]} == {
        "ETI": "3200.00",
        "GE": "4850.00",
        "PME": "300.00",
    }
    pme = {g["key"]: g for g in body["groups"]}["PME"]["buckets"]
    assert (pme["not_due"], pme["61_90"], pme["unapplied"]) == ("600.00", "100.00", "-400.00")
    assert body == group_aging(aging_report(alpha, AS_OF), "segment").as_json() | {
        "as_of": "2026-06-30"
    }


def test_aging_by_sales_rep_and_by_currency(alice):
    by_rep = alice.get("/api/v1/companies/alpha/aging", as_of=AS_OF, by="sales_rep").json()
    assert [(g["key"], g["total"]) for g in by_rep["groups"]] == [
        ("", "-400.00"),
        ("Nadia", "4850.00"),
        ("Sam", "3900.00"),
    ]
    by_currency = alice.get("/api/v1/companies/alpha/aging", as_of=AS_OF, by="currency").json()
    assert [(g["key"], g["total"]) for g in by_currency["groups"]] == [("EUR", "8350.00")]


def test_by_customer_is_the_default_json(alice):
    default = alice.get("/api/v1/companies/alpha/aging", as_of=AS_OF).json()
    assert alice.get("/api/v1/companies/alpha/aging", as_of=AS_OF, by="customer").json() == default
    assert "customers" in default and "groups" not in default and "by" not in default


def test_a_sales_user_groups_their_customers_only(sam):
    body = sam.get("/api/v1/companies/alpha/aging", as_of=AS_OF, by="segment").json()
    assert [(g["key"], g["total"]) for g in body["groups"]] == [
        ("ETI", "3200.00"),
        ("PME", "700.00"),
    ]
    assert body["total"] == "3900.00"


def test_it_rejects_an_unknown_grouping(alice):
    response = alice.get("/api/v1/companies/alpha/aging", as_of=AS_OF, by="country")
    assert response.status_code == 422
