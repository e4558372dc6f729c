"""The day's dunning actions decided over the store: personas, pauses, steps remembered."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from creditpilot.collections.dunning import dunning_plan
from creditpilot.collections.models import (
    CustomerProfile,
    DoNotDun,
    Step,
    StepSent,
    Strategy,
)
from creditpilot.collections.services import (
    do_add_dispute,
    do_add_promise,
    do_record_actions,
    do_resolve_promises,
)
from creditpilot.companies.services import do_add_company, do_init
from creditpilot.customers.models import Customer
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.receivables.models import Document

pytestmark = [pytest.mark.store, pytest.mark.django_db]

TODAY = date(2026, 6, 30)
CUSTOMERS = """code,name,siren,country,segment,payment_terms
ACME,Acme,,FR,PME,NET30
GLOBEX,Globex,,FR,ETI,NET30
INITECH,Initech,,FR,PME,NET30
HOOLI,Hooli,,FR,PME,NET30
UMBRELLA,Umbrella,,FR,PME,NET30
"""
HEADER = "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount,disputed\n"
INVOICES = HEADER + (
    # Acme pays late: 20 days past due on A1, A2 due in 3 days (not in a reminder)
    "ACME,A1,2026-05-11,2026-06-10,1000.00,EUR,2026-06-20,400.00,no\n"
    "ACME,A2,2026-06-03,2026-07-03,250.00,EUR,,,no\n"
    # Globex: 46 days past due (formal notice, approval), and a disputed invoice older still
    "GLOBEX,G1,2026-04-15,2026-05-15,800.00,EUR,,,no\n"
    "GLOBEX,G0,2026-03-01,2026-03-31,300.00,EUR,,,yes\n"
    # Initech promised; Hooli due in 4 days (courtesy); Umbrella rests (do-not-dun)
    "INITECH,I1,2026-05-01,2026-05-31,500.00,EUR,,,no\n"
    "HOOLI,H1,2026-06-04,2026-07-04,150.00,EUR,,,no\n"
    "HOOLI,H2,2026-06-05,2026-07-05,50.00,EUR,,,no\n"
    "UMBRELLA,U1,2026-04-01,2026-05-01,900.00,EUR,,,no\n"
)


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(INVOICES)
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def actions(company, day=TODAY):
    return {a["customer"]: a for a in dunning_plan(company, day).as_json()["actions"]}


def test_a_new_company_starts_with_the_default_strategy():
    company = do_add_company("NEW", "New SAS")
    (strategy,) = Strategy.objects.filter(company=company)
    assert strategy.is_default and strategy.active
    assert [(s.days, s.key, s.channel, s.needs_approval) for s in strategy.steps.all()] == [
        (-5, "courtesy", "email", False),
        (1, "reminder_1", "email", False),
        (15, "reminder_2", "email", False),
        (30, "reminder_3", "email+call", False),
        (45, "formal_notice", "letter+email", True),
        (60, "escalation", "task", False),
    ]


def test_the_days_actions_for_each_persona(company):
    do_add_promise(company, "INITECH", "500", date(2026, 7, 2), today=TODAY)
    DoNotDun.objects.create(
        company=company,
        customer=Customer.objects.get(company=company, code="UMBRELLA"),
        reason="receivership talks",
        since=date(2026, 6, 1),
        until=date(2026, 7, 31),
    )
    assert actions(company) == {
        "ACME": {
            "customer": "ACME",
            "step": "reminder_2",
            "channel": "email",
            "items": ["A1"],
            "amount": "600.00",
            "needs_approval": False,
        },
        "GLOBEX": {
            "customer": "GLOBEX",
            "step": "formal_notice",
            "channel": "letter+email",
            "items": ["G1"],
            "amount": "800.00",
            "needs_approval": True,
        },
        "HOOLI": {
            "customer": "HOOLI",
            "step": "courtesy",
            "channel": "email",
            "items": ["H1", "H2"],
            "amount": "200.00",
            "needs_approval": False,
        },
    }
    # the promise waits 2 July + 3 days of grace; on the 6th Initech is dunned again
    assert "INITECH" not in actions(company, date(2026, 7, 5))
    assert actions(company, date(2026, 7, 6))["INITECH"]["step"] == "reminder_3"


def test_a_step_sent_is_not_sent_again_and_a_new_dispute_stops_dunning(company):
    a1 = Document.objects.get(company=company, number="A1", amount__gt=0)
    StepSent.objects.create(
        company=company, customer=a1.customer, item=a1, step_key="reminder_2", sent_on=TODAY
    )
    assert "ACME" not in actions(company)
    assert actions(company, date(2026, 7, 10))["ACME"]["step"] == "reminder_3"
    do_add_dispute(company, "ACME", "A1", "quality", today=date(2026, 7, 1))
    # A1 disputed from 1 July: on the 10th, A2 (7 days late) leads
    later = actions(company, date(2026, 7, 10))["ACME"]
    assert (later["step"], later["items"]) == ("reminder_1", ["A2"])


def test_a_strategy_for_a_segment_wins_and_key_customers_are_asked_about_formal_notices(company):
    strategy = Strategy.objects.create(
        company=company, name="ETI gentle", priority=1, segments="ETI"
    )
    Step.objects.create(strategy=strategy, key="call", name="Call", days=10, channel="call")
    Step.objects.create(
        strategy=strategy,
        key="letter",
        name="Letter",
        days=90,
        channel="letter",
        is_formal_notice=True,
    )
    assert actions(company)["GLOBEX"]["step"] == "call"
    CustomerProfile.objects.create(
        company=company,
        customer=Customer.objects.get(company=company, code="GLOBEX"),
        key_customer=True,
    )
    later = actions(company, date(2026, 8, 20))["GLOBEX"]
    assert (later["step"], later["needs_approval"]) == ("letter", True)


def test_a_strategy_with_two_steps_on_one_day_is_refused_by_the_store(company):
    strategy = Strategy.objects.get(company=company, is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.create(strategy=strategy, key="again", name="Again", days=15, channel="email")


def test_actions_recorded_are_not_decided_again(company):
    plan = dunning_plan(company, TODAY)
    assert do_record_actions(company, plan.actions, TODAY) == 6  # A1, G1, H1, H2, I1, U1
    assert dunning_plan(company, TODAY).actions == []
    do_record_actions(company, plan.actions, TODAY)  # twice: remembered once
    assert StepSent.objects.filter(company=company).count() == 6


def test_a_broken_promise_resumes_dunning_at_the_next_step(company):
    # Initech's I1 (due 31 May) had reminder 3 on 30 June, then promised for 2 July
    i1 = Document.objects.get(company=company, number="I1", amount__gt=0)
    StepSent.objects.create(
        company=company, customer=i1.customer, item=i1, step_key="reminder_3", sent_on=TODAY
    )
    do_add_promise(company, "INITECH", "500", date(2026, 7, 2), today=TODAY)
    assert "INITECH" not in actions(company, date(2026, 7, 6))  # day 36: reminder 3 was sent
    assert do_resolve_promises(company, date(2026, 7, 6)) == {"kept": 0, "broken": 1}
    # broken: the next step at once, not at day 45
    resumed = actions(company, date(2026, 7, 6))["INITECH"]
    assert (resumed["step"], resumed["needs_approval"]) == ("formal_notice", True)
