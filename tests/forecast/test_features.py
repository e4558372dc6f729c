"""What the features of an invoice know at a cutoff: only what was dated before it."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from creditpilot.companies.services import do_init
from creditpilot.forecast.features import FEATURES, History
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices

pytestmark = [pytest.mark.store, pytest.mark.django_db]

CUSTOMERS = """code,name,siren,country,segment,payment_terms
SLOW,Slow SARL,,FR,PME,NET30
NEW,New SAS,,FR,TPE,NET30
"""
HEADER = "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount\n"
BEFORE = """SLOW,S1,2026-01-05,2026-02-04,1000.00,EUR,2026-02-14,1000.00
SLOW,S2,2026-02-05,2026-03-07,2000.00,EUR,2026-03-27,2000.00
SLOW,S3,2026-03-05,2026-04-04,3000.00,EUR,2026-05-04,3000.00
SLOW,S4,2026-05-10,2026-06-09,4000.00,EUR,,
NEW,N1,2026-05-20,2026-06-19,500.00,EUR,,
"""
# what happens after the cutoff: S4 paid late, a new invoice, a payment of N1
AFTER = """SLOW,S4,2026-05-10,2026-06-09,4000.00,EUR,2026-07-20,4000.00
SLOW,S5,2026-06-15,2026-07-15,9000.00,EUR,2026-07-16,9000.00
NEW,N1,2026-05-20,2026-06-19,500.00,EUR,2026-06-20,500.00
"""
CUTOFF = date(2026, 6, 1)


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(HEADER + BEFORE)
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def _at_cutoff(company) -> dict[str, dict]:
    rows = History(company).rows([CUTOFF], 0).sort("id")
    numbers = dict(company.customers.values_list("id", "code"))
    return {
        f"{numbers[r['customer_id']]}-{r['amount']}": {f: r[f] for f in FEATURES}
        for r in rows.iter_rows(named=True)
    }


def test_the_customer_history_by_hand(company):
    rows = _at_cutoff(company)
    slow = rows["SLOW-400000"]
    # S1 10 days late, S2 20, S3 30: settled before the cutoff, in that order
    assert slow["n_paid"] == 3
    assert slow["mean_delay"] == pytest.approx(20.0)
    assert slow["median_delay_6"] == 20.0 and slow["last_delay"] == 30.0
    assert slow["late_share"] == 1.0
    assert (slow["age"], slow["overdue"], slow["terms_days"]) == (22, -8, 30)
    # a new customer: no history, its segment still known
    new = rows["NEW-50000"]
    assert new["n_paid"] == 0 and new["mean_delay"] is None and new["segment"] is not None


def test_no_look_ahead_what_happens_after_the_cutoff_changes_no_feature(company, tmp_path):
    before = _at_cutoff(company)
    # the later file restates the whole book: the earlier invoices stay as they were
    (tmp_path / "all.csv").write_text(HEADER + "".join(BEFORE.splitlines(True)[:3]) + AFTER)
    do_import_invoices(company, tmp_path / "all.csv")
    after = _at_cutoff(company)
    assert before == after
    # and the later facts are there: S4 is now settled, S5 exists
    history = History(company)
    assert history.invoices.filter(pl.col("settled_on").is_not_null()).height == 6
