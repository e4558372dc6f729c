"""A ledger written by hand, with every figure worked out by hand (SPEC §3).

As of 2026-06-30, terms NET30 (the company default):

| customer | item  | date       | due        | days | open at 06-30 | bucket  | why                      |
|----------|-------|------------|------------|------|---------------|---------|--------------------------|
| ACME     | FA001 | 2026-04-10 | 2026-05-10 |      | 0             |         | lettered A with payment  |
| ACME     | FA002 | 2026-06-05 | 2026-07-05 | -5   | 600.00        | not_due |                          |
| ACME     | FA009 | 2026-03-31 | 2026-04-30 | 61   | 100.00        | 61_90   |                          |
| ACME     | FA008 | 2026-07-02 |            |      | —             |         | does not exist yet       |
| GLOBEX   | FA003 | 2026-03-01 | 2026-03-31 | 91   | 2400.00       | over_90 | lettered B with a July payment |
| GLOBEX   | FA004 | 2026-04-15 | 2026-05-15 | 46   | 800.00        | 31_60   | 1000 by reference        |
| GLOBEX   | FA005 | 2026-05-20 | 2026-06-19 |      | 0             |         | 3000 by exact amount     |
| INITECH  | FA006 | 2026-05-31 | 2026-06-30 | 0    | 4600.00       | not_due | credit note 400 by reference |
| INITECH  | FA010 | 2026-05-01 | 2026-05-31 | 30   | 250.00        | 1_30    |                          |
| UMBRELLA | FA007 | 2026-04-01 | 2026-05-01 |      | 0             |         | cheque 1100 oldest first |
| UMBRELLA | CHQ   | 2026-06-20 |            |      | -400.00       | unapplied |                        |

Sales by month (411 side of entries with a 7 account): March 2500, April 3700,
May 8250, June 600 - 400 = 200.
DSO: R = 8350; June (30 days) 8350 > 200 -> R = 8150, 30 days; May: 31 x 8150 / 8250
= 30.624... -> 60.624... -> "60.6".
Best possible: R = 5200; 30 + 31 x 5000 / 8250 = 48.787... -> "48.8"; ADD 11.836... -> "11.8".
Overdue ratio 3550 / 8750 = 0.405714... -> "0.4057".
CEI of June: opening (05-31) 13250, closing 8350, current 5200:
(13250 + 200 - 8350) / (13250 + 200 - 5200) = 5100 / 8250 -> "61.8".
"""

from __future__ import annotations

from datetime import date

import pytest

from creditpilot.companies.services import do_init
from creditpilot.receivables.services import do_import_fec
from creditpilot.reports.aging import aging_report
from creditpilot.reports.kpis import kpi_report
from creditpilot.reports.statement import statement
from tests.fecbuilder import hand_ledger

pytestmark = [pytest.mark.store, pytest.mark.django_db]

AS_OF = date(2026, 6, 30)


@pytest.fixture
def company(tmp_path):
    company = do_init()
    do_import_fec(company, hand_ledger().write(tmp_path / "FEC2026.txt"))
    return company


def test_aged_balance_matches_the_hand_computation_to_the_cent(company):
    report = aging_report(company, AS_OF).as_json()
    assert report["total"] == "8350.00"
    assert report["buckets"] == {
        "not_due": "5200.00",
        "1_30": "250.00",
        "31_60": "800.00",
        "61_90": "100.00",
        "over_90": "2400.00",
        "unapplied": "-400.00",
    }
    by_code = {c["code"]: c for c in report["customers"]}
    assert by_code["ACME"]["total"] == "700.00"
    assert by_code["ACME"]["buckets"]["61_90"] == "100.00"
    assert by_code["GLOBEX"]["buckets"] == {
        "not_due": "0.00",
        "1_30": "0.00",
        "31_60": "800.00",
        "61_90": "0.00",
        "over_90": "2400.00",
        "unapplied": "0.00",
    }
    assert by_code["INITECH"]["total"] == "4850.00"
    assert by_code["UMBRELLA"]["buckets"]["unapplied"] == "-400.00"
    assert by_code["UMBRELLA"]["total"] == "-400.00"
    assert by_code["ACME"]["name"] == "Acme SARL"


def test_kpis_match_the_hand_computation(company):
    kpis = kpi_report(company, AS_OF).as_json()
    assert kpis["dso"] == "60.6"
    assert kpis["best_possible_dso"] == "48.8"
    assert kpis["add"] == "11.8"
    assert kpis["overdue_ratio"] == "0.4057"
    assert kpis["cei"] == "61.8"
    assert kpis["total"] == "8350.00"


def test_a_payment_dated_after_the_as_of_date_does_not_settle_yet(company):
    july = aging_report(company, date(2026, 7, 31)).as_json()
    globex = {c["code"]: c for c in july["customers"]}["GLOBEX"]
    assert globex["buckets"]["over_90"] == "0.00"  # FA003 settled by the lettered July payment
    # FA008 (999.00, 2026-07-02) now exists: Acme = 600 + 100 + 999
    assert {c["code"]: c for c in july["customers"]}["ACME"]["total"] == "1699.00"


def test_buckets_add_up_to_the_net_balance_at_every_date(company):
    for day in (date(2026, 3, 1), date(2026, 4, 30), date(2026, 6, 15), date(2026, 12, 31)):
        report = aging_report(company, day)
        assert report.total.total == sum(c.buckets.total for c in report.customers)


def test_statement_of_account_lists_items_with_running_balance(company):
    st = statement(company, "GLOBEX", AS_OF)
    assert [line.number for line in st.lines] == ["FA003", "FA004", "FA005", "REL", "REL"]
    assert st.balance == 320000
    assert [line.open_amount for line in st.open_lines] == [240000, 80000]
    assert st.open_lines[0].days_past_due == 91
