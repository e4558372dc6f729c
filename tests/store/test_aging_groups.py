"""``report aging --by segment|sales_rep|currency`` on the hand ledger, to the cent.

The customers of ``tests/store/test_hand_ledger.py`` (figures worked out there) with:

| customer | segment | sales rep | currency | total   | buckets                                   |
|----------|---------|-----------|----------|---------|-------------------------------------------|
| ACME     | PME     | Alice     | EUR      | 700.00  | not_due 600, 61_90 100                    |
| GLOBEX   | GE      | Bob       | USD      | 3200.00 | 31_60 800, over_90 2400                   |
| INITECH  | PME     | Bob       | EUR      | 4850.00 | not_due 4600, 1_30 250                    |
| UMBRELLA | (none)  | Alice     | CHF      | -400.00 | unapplied -400                            |
"""

from __future__ import annotations

from datetime import date

import pytest

from creditpilot.companies.services import do_init
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.services import do_import_fec
from creditpilot.reports import render
from creditpilot.reports.aging import aging_report, group_aging
from tests.fecbuilder import hand_ledger

pytestmark = [pytest.mark.store, pytest.mark.django_db]

AS_OF = date(2026, 6, 30)
CUSTOMERS = (
    "code,name,siren,country,segment,payment_terms,sales_rep,currency\n"
    "ACME,Acme SARL,,FR,PME,,Alice,EUR\n"
    "GLOBEX,Globex SAS,,FR,GE,,Bob,USD\n"
    "INITECH,Initech SA,,FR,PME,,Bob,EUR\n"
    "UMBRELLA,Umbrella Corp,,FR,,,Alice,CHF\n"
)
ZERO = dict.fromkeys(["not_due", "1_30", "31_60", "61_90", "over_90", "unapplied"], "0.00")
TOTAL = {
    "total": "8350.00",
    "buckets": {
        "not_due": "5200.00",
        "1_30": "250.00",
        "31_60": "800.00",
        "61_90": "100.00",
        "over_90": "2400.00",
        "unapplied": "-400.00",
    },
}


@pytest.fixture
def company(tmp_path):
    company = do_init()
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS)
    do_import_customers(company, customers)
    do_import_fec(company, hand_ledger().write(tmp_path / "FEC2026.txt"))
    return company


def grouped(company, by):
    return group_aging(aging_report(company, AS_OF), by).as_json()


def test_by_segment(company):
    body = grouped(company, "segment")
    assert {k: body[k] for k in ("as_of", "currency", "by")} == {
        "as_of": "2026-06-30",
        "currency": "EUR",
        "by": "segment",
    }
    assert {"total": body["total"], "buckets": body["buckets"]} == TOTAL
    assert body["groups"] == [
        {"key": "", "total": "-400.00", "buckets": ZERO | {"unapplied": "-400.00"}},
        {
            "key": "GE",
            "total": "3200.00",
            "buckets": ZERO | {"31_60": "800.00", "over_90": "2400.00"},
        },
        {
            "key": "PME",
            "total": "5550.00",
            "buckets": ZERO | {"not_due": "5200.00", "1_30": "250.00", "61_90": "100.00"},
        },
    ]
    assert "customers" not in body


def test_by_sales_rep(company):
    body = grouped(company, "sales_rep")
    assert {"total": body["total"], "buckets": body["buckets"]} == TOTAL
    assert body["groups"] == [
        {
            "key": "Alice",
            "total": "300.00",
            "buckets": ZERO | {"not_due": "600.00", "61_90": "100.00", "unapplied": "-400.00"},
        },
        {
            "key": "Bob",
            "total": "8050.00",
            "buckets": ZERO
            | {"not_due": "4600.00", "1_30": "250.00", "31_60": "800.00", "over_90": "2400.00"},
        },
    ]


def test_by_currency(company):
    body = grouped(company, "currency")
    assert [(g["key"], g["total"]) for g in body["groups"]] == [
        ("CHF", "-400.00"),
        ("EUR", "5550.00"),
        ("USD", "3200.00"),
    ]


def test_grouped_csv_has_one_row_per_group_and_the_total(company):
    text = render.aging_csv(group_aging(aging_report(company, AS_OF), "segment"))
    assert text.splitlines() == [
        "segment,total,not_due,1_30,31_60,61_90,over_90,unapplied",
        ",-400.00,0.00,0.00,0.00,0.00,0.00,-400.00",
        "GE,3200.00,0.00,0.00,800.00,0.00,2400.00,0.00",
        "PME,5550.00,5200.00,250.00,0.00,100.00,0.00,0.00",
        "TOTAL,8350.00,5200.00,250.00,800.00,100.00,2400.00,-400.00",
    ]


def test_grouped_xlsx_and_pdf(company):
    from io import BytesIO

    from openpyxl import load_workbook

    report = group_aging(aging_report(company, AS_OF), "sales_rep")
    sheet = load_workbook(BytesIO(render.aging_xlsx(report))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "sales_rep",
        "total",
        "not_due",
        "1_30",
        "31_60",
        "61_90",
        "over_90",
        "unapplied",
    ]
    assert [r[0] for r in rows[1:]] == ["Alice", "Bob", "TOTAL"]
    assert str(rows[2][1]) == "8050" and str(rows[3][1]) == "8350"
    assert render.aging_pdf(report).startswith(b"%PDF")


def test_an_unknown_grouping_is_refused(company):
    with pytest.raises(ValueError):
        group_aging(aging_report(company, AS_OF), "country")
