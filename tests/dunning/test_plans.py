"""Payment plans: instalments that add up to the items, the items not dunned while the plan
holds, a missed instalment breaking the plan and dunning resuming; a kept plan completes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from creditpilot.audit.models import AuditEvent
from creditpilot.collections.dunning import dunning_plan
from creditpilot.collections.models import PaymentPlan, Promise
from creditpilot.collections.plans import do_add_plan, parse_instalments, settle_plans
from creditpilot.collections.services import do_resolve_promises
from creditpilot.companies.services import do_init
from creditpilot.core.errors import InvalidInputError
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices

pytestmark = [pytest.mark.store, pytest.mark.django_db]
AGREED = date(2025, 6, 10)
HEADER = "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount\n"


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms,email\nACME,Acme,,FR,PME,NET30,a@acme.fr\n"
    )
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(
        HEADER
        + "ACME,F1,2025-04-01,2025-05-01,6000.00,EUR,,\n"
        + "ACME,F2,2025-04-15,2025-05-15,4000.00,EUR,,\n"
    )
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def day_run(company, day):
    do_resolve_promises(company, day)
    return settle_plans(company, day)


def dunned(company, day) -> bool:
    return any(a.customer == "ACME" for a in dunning_plan(company, day).actions)


def test_instalments_must_add_up_and_come_in_order(company):
    two = parse_instalments("2025-06-30:4000,2025-07-31:6000")
    with pytest.raises(InvalidInputError) as err:
        do_add_plan(company, "ACME", two[:1], today=AGREED)
    assert err.value.code == "plan_does_not_add_up"
    with pytest.raises(InvalidInputError):
        do_add_plan(company, "ACME", two, today=date(2025, 7, 1))  # the first is past
    with pytest.raises(InvalidInputError):
        do_add_plan(company, "ACME", list(reversed(two)), today=AGREED)
    with pytest.raises(InvalidInputError):
        parse_instalments("30/06/2025:4000")
    # with interest agreed on top, the instalments carry it
    with_interest = parse_instalments("2025-06-30:4000,2025-07-31:6050")
    plan = do_add_plan(company, "ACME", with_interest, today=AGREED, interest=50_00)
    assert (plan.total, plan.interest) == (10_050_00, 50_00)
    # each instalment is a promise of the running total
    assert list(plan.instalments.order_by("promised_date").values_list("amount", flat=True)) == [
        4_000_00,
        10_050_00,
    ]
    assert PaymentPlan.objects.count() == 1 and Promise.objects.count() == 2


def test_a_missed_instalment_breaks_the_plan_and_dunning_resumes(company):
    assert dunned(company, AGREED)
    plan = do_add_plan(
        company, "ACME", parse_instalments("2025-06-30:4000,2025-07-31:6000"), today=AGREED
    )
    assert AuditEvent.objects.filter(action="plan_agreed").count() == 1
    for n in range(0, 24):  # to 3 July: the first instalment's date plus the 3 grace days
        day = AGREED + timedelta(days=n)
        day_run(company, day)
        assert not dunned(company, day), day
    counts = day_run(company, date(2025, 7, 4))
    plan.refresh_from_db()
    assert counts == {"plans_broken": 1, "plans_completed": 0}
    assert (plan.status, plan.ended_on) == ("broken", date(2025, 7, 4))
    assert set(plan.instalments.values_list("status", flat=True)) == {"broken"}
    assert dunned(company, date(2025, 7, 4))
    assert AuditEvent.objects.filter(action="plan_broken").count() == 1


def test_a_plan_whose_instalments_are_paid_completes(company, tmp_path):
    plan = do_add_plan(
        company, "ACME", parse_instalments("2025-06-30:4000,2025-07-31:6000"), today=AGREED
    )
    (tmp_path / "paid.csv").write_text(
        HEADER
        + "ACME,F1,2025-04-01,2025-05-01,6000.00,EUR,2025-07-30,6000.00\n"
        + "ACME,F2,2025-04-15,2025-05-15,4000.00,EUR,2025-06-28,4000.00\n"
    )
    do_import_invoices(company, tmp_path / "paid.csv")
    day_run(company, date(2025, 7, 1))
    plan.refresh_from_db()
    assert plan.status == "active"
    assert day_run(company, date(2025, 8, 1)) == {"plans_broken": 0, "plans_completed": 1}
    plan.refresh_from_db()
    assert plan.status == "completed"
