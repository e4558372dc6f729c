"""The store's set-based aging equals the pure reference of the core, on random ledgers."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditpilot.companies.services import do_add_company
from creditpilot.core.aging import age
from creditpilot.core.ledger import Item
from creditpilot.core.matching import allocate, tokens
from creditpilot.core.terms import parse_terms
from creditpilot.receivables.services import do_import_fec
from creditpilot.reports.aging import aging_report
from tests.fecbuilder import Fec

pytestmark = [pytest.mark.store, pytest.mark.django_db]

START = date(2026, 1, 1)
CUSTOMERS = ["ACME", "GLOBEX", "INITECH"]
counter = itertools.count()

event = st.tuples(
    st.sampled_from(["invoice", "payment", "credit_note"]),
    st.sampled_from(CUSTOMERS),
    st.integers(0, 180),  # day offset
    st.integers(1, 500_000),  # cents
    st.booleans(),  # label quotes an earlier invoice
    st.sampled_from(["", "", "A", "B"]),  # lettering code
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(event, min_size=1, max_size=25), as_of_offset=st.integers(0, 240))
def test_sql_aging_equals_the_core_reference(tmp_path, events, as_of_offset):
    company = do_add_company(f"P{next(counter)}", "Property")
    fec, items = build_ledger(events)
    do_import_fec(company, fec.write(tmp_path / f"{company.code}.txt"))
    as_of = START + timedelta(days=as_of_offset)

    expected = age(items, allocate(items), as_of)
    got = aging_report(company, as_of)
    assert got.total.cents == expected.total.cents
    assert {c.code: c.buckets.cents for c in got.customers} == {
        code: b.cents for code, b in expected.customers.items() if any(b.cents.values())
    }
    net = sum(i.amount for i in items if i.date <= as_of)
    assert got.total.total == net


def build_ledger(events: list[tuple]) -> tuple[Fec, list[Item]]:
    """A FEC of the events, and the same ledger as the core's items (NET30 due dates)."""
    fec = Fec()
    items: list[Item] = []
    invoices: dict[str, list[str]] = {c: [] for c in CUSTOMERS}
    terms = parse_terms("NET30")
    for n, (kind, customer, offset, cents, quote, let) in enumerate(events):
        day = START + timedelta(days=offset)
        amount = Decimal(cents) / 100
        ymd = day.strftime("%Y%m%d")
        if kind == "invoice":
            ref = f"FA{n:04d}"
            fec.invoice(ymd, customer, ref, str(amount), let=let)
            invoices[customer].append(ref)
            items.append(
                Item(
                    n, customer, day, terms.due_date(day), cents, let or None, ref, f"Facture {ref}"
                )
            )
        else:
            label = f"VIR {invoices[customer][-1]}" if quote and invoices[customer] else "VIREMENT"
            if kind == "payment":
                fec.payment(ymd, customer, str(amount), label, let=let)
                items.append(
                    Item(
                        n,
                        customer,
                        day,
                        day,
                        -cents,
                        let or None,
                        "REL",
                        label,
                        tokens=tokens(label, "REL"),
                    )
                )
            else:
                ref = f"AV{n:04d}"
                fec.credit_note(ymd, customer, ref, str(amount), label, let=let)
                items.append(
                    Item(
                        n,
                        customer,
                        day,
                        day,
                        -cents,
                        let or None,
                        ref,
                        label,
                        tokens=tokens(label, ref),
                    )
                )
    return fec, items
