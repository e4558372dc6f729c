"""The statement of account holds against the core, on random ledgers (one rule, one place).

Each customer's statement lists every document at the date with the open amount the
core's reference gives (``core.ledger.open_amounts`` over the core's own matching),
a running balance ending on the customer's net balance, and the core's buckets.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditpilot.companies.services import do_add_company
from creditpilot.core.aging import ALL_BUCKETS, BUCKETS, age, bucket_of
from creditpilot.core.ledger import open_amounts
from creditpilot.core.matching import allocate
from creditpilot.receivables.services import do_import_fec
from creditpilot.reports.statement import statement
from tests.store.test_aging_properties import START, build_ledger, event

pytestmark = [pytest.mark.store, pytest.mark.django_db]

counter = itertools.count()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(event, min_size=1, max_size=25), as_of_offset=st.integers(0, 240))
def test_statement_open_amounts_equal_the_core_reference(tmp_path, events, as_of_offset):
    company = do_add_company(f"S{next(counter)}", "Statement property")
    fec, items = build_ledger(events)
    do_import_fec(company, fec.write(tmp_path / f"{company.code}.txt"))
    as_of = START + timedelta(days=as_of_offset)
    allocations = allocate(items)
    expected_open = open_amounts(items, allocations, as_of)
    expected_aged = age(items, allocations, as_of)

    for code in {i.customer for i in items}:
        st_ = statement(company, code, as_of)
        mine = [i for i in items if i.customer == code and i.date <= as_of]
        # the same documents, each with the core's open amount (as a multiset: ids differ)
        assert Counter((line.date, line.amount, line.open_amount) for line in st_.lines) == Counter(
            (i.date, i.amount, expected_open[i.id]) for i in mine
        )
        assert st_.balance == sum(i.amount for i in mine)
        assert sum(line.open_amount for line in st_.lines) == st_.balance
        expected = expected_aged.customers.get(code)
        assert st_.buckets.cents == (expected.cents if expected else dict.fromkeys(ALL_BUCKETS, 0))
        # each open invoice's days past due, bucketed by the core's rule, add up to the buckets
        by_bucket = Counter()
        for line in st_.open_lines:
            if line.amount > 0:
                assert line.days_past_due == (as_of - line.due_date).days
                by_bucket[bucket_of(line.days_past_due)] += line.open_amount
        assert {b: by_bucket[b] for b in BUCKETS} == {b: st_.buckets.cents[b] for b in BUCKETS}
