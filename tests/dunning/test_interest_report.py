"""The set-based interest report holds to the core's rule, invoice by invoice, on a demo ledger."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import F

from creditpilot.collections.interest import interest_report
from creditpilot.collections.models import CollectionSettings, CustomerProfile
from creditpilot.collections.rates import rate_table
from creditpilot.core.interest import late_interest
from creditpilot.customers.models import Customer
from creditpilot.receivables.demo_load import do_load_demo
from creditpilot.receivables.models import Allocation, Document

pytestmark = [pytest.mark.store, pytest.mark.django_db]


def by_the_core(company, as_of, contractual=None, business=None):
    """Each open past-due debit, its interest by the core from its allocations (object by object)."""
    contractual = contractual or {}
    business = business or {}
    settled = defaultdict(list)
    for a in Allocation.objects.filter(company=company, date__lte=as_of):
        settled[a.invoice_id].append((a.date, a.amount))
    table = rate_table()
    rows = {}
    for d in Document.objects.filter(
        company=company, is_active=True, amount__gt=0, date__lte=as_of, due_date__lt=as_of
    ).select_related("customer"):
        open_cents = d.amount - sum(c for _, c in settled[d.id])
        if open_cents == 0:
            continue
        code = d.customer.code
        interest = late_interest(
            d.amount, d.due_date, settled[d.id], as_of, table, contractual.get(code)
        )
        rows[(code, d.number, d.due_date)] = (
            open_cents,
            (as_of - d.due_date).days,
            interest,
            4000 if business.get(code, True) else 0,
        )
    return rows


def as_rows(report):
    return {
        (i.customer, i.number, i.due_date): (i.open, i.days_late, i.interest, i.indemnity)
        for i in report.items
    }


@pytest.fixture
def demo_db():
    return do_load_demo("INTEREST", customers=12, lines=1500, seed=7, end=date(2026, 6, 30)).company


def test_the_report_is_the_cores_interest_of_every_open_past_due_invoice(demo_db):
    # across a half-year change, on its first day, and after payments and lettering
    for as_of in (date(2025, 12, 31), date(2026, 1, 1), date(2026, 6, 30)):
        report = interest_report(demo_db, as_of)
        assert len(report.items) > 5
        expected = by_the_core(demo_db, as_of)
        assert as_rows(report) == expected
        assert report.total_interest == sum(v[2] for v in expected.values())
    # the ledger holds what makes the case: invoices partly settled while late
    late_partial = Allocation.objects.filter(
        company=demo_db,
        date__gt=F("due_date"),
        invoice__number__in=[i.number for i in report.items],
    )
    assert late_partial.exists()


def test_a_customers_rate_wins_over_the_companys_and_consumers_owe_no_indemnity(demo_db):
    as_of = date(2026, 6, 30)
    codes = sorted({i.customer for i in interest_report(demo_db, as_of).items})
    first, second = codes[0], codes[1]
    CollectionSettings.objects.create(company=demo_db, contractual_rate=Decimal("15"))
    CustomerProfile.objects.create(
        company=demo_db,
        customer=Customer.objects.get(company=demo_db, code=first),
        contractual_rate=Decimal("11.2575"),
    )
    CustomerProfile.objects.create(
        company=demo_db,
        customer=Customer.objects.get(company=demo_db, code=second),
        is_business=False,
    )
    rates = {code: Decimal("15") for code in codes} | {first: Decimal("11.2575")}
    report = interest_report(demo_db, as_of)
    assert as_rows(report) == by_the_core(demo_db, as_of, rates, {second: False})
    assert all(i.indemnity == 0 for i in report.items if i.customer == second)
