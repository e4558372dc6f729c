"""The worklist's services: the ranking rule, the filters and the outcomes of a task."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.collections.dunning import dunning_plan
from creditpilot.collections.models import CustomerProfile, Dispute, Message, Promise, Task
from creditpilot.collections.timeline import timeline
from creditpilot.collections.worklist import (
    chance,
    do_approve_message,
    do_call_outcome,
    do_decide_approval,
    do_dispute_outcome,
    do_promise_outcome,
    worklist,
)
from creditpilot.companies.models import Company
from creditpilot.companies.services import do_init
from creditpilot.core.errors import InvalidInputError, NotFoundError
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices

pytestmark = [pytest.mark.store, pytest.mark.django_db]

TODAY = date(2025, 7, 31)  # a Thursday
CUSTOMERS = "code,name,siren,country,segment,payment_terms\nACME,Acme,,FR,,NET30\nINITECH,Initech,,FR,,NET30\n"
INVOICES = (
    "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount,disputed\n"
    "ACME,F1,2025-05-21,2025-06-20,1000.00,EUR,,,no\n"
    "INITECH,I1,2025-01-10,2025-02-09,1000.00,EUR,,,no\n"
)


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(INVOICES)
    do_import_invoices(company, tmp_path / "i.csv")
    return company


@pytest.fixture
def colin():
    return get_user_model().objects.create_user("colin")


def task(company, code, kind="call", amount=1000_00, key=None, **extra):
    return Task.objects.create(
        company=company,
        customer=company.customers.get(code=code),
        kind=kind,
        key=key or f"{kind}:{code}",
        day=TODAY,
        amount=amount,
        **extra,
    )


def message(company, code, due, status="sent", **extra):
    return Message.objects.create(
        company=company,
        customer=company.customers.get(code=code),
        items=[{"number": "X", "due_date": due}],
        amount=1000_00,
        status=status,
        **{"day": TODAY, "step_key": "r1", "step_name": "Reminder", "channel": "email", **extra},
    )


def test_the_chance_falls_with_days_late_and_a_broken_promise():
    assert chance("call", 0, False) == Decimal("0.50")
    assert chance("call", 35, False) == Decimal("0.50")
    assert chance("call", 36, False) == Decimal("0.40")
    assert chance("call", 1000, False) == Decimal("0.10")  # floor: a fifth
    assert chance("call", 0, True) == Decimal("0.25")
    assert chance("approval", 0, False) > chance("call", 0, False) > chance("credit_hold", 0, False)


def test_the_worklist_ranks_by_expected_cash(company):
    # same amounts; INITECH is 172 days late, ACME 41: ACME comes first
    message(company, "ACME", "2025-06-20")
    message(company, "INITECH", "2025-02-09")
    task(company, "INITECH")
    task(company, "ACME")
    items = worklist(company, TODAY)
    assert [i.customer.code for i in items] == ["ACME", "INITECH"]
    assert items[0].days_late == 41 and items[1].days_late == 172
    assert items[0].expected == 400_00  # 1000.00 × 0.40
    assert items[1].expected == 100_00  # 1000.00 × 0.50 × 0.2
    assert items[0].last_message is not None and items[0].open == 1000_00
    # an item paid long ago, named in an old reminder, does not age the debt
    message(company, "ACME", "2024-01-10", day=date(2024, 2, 1))
    assert worklist(company, TODAY)[0].days_late == 41
    # a much bigger amount outweighs the age of the debt
    Task.objects.filter(customer__code="INITECH").update(amount=10_000_00)
    assert [i.customer.code for i in worklist(company, TODAY)] == ["INITECH", "ACME"]


def test_mine_keeps_my_tasks_and_my_customers(company, colin):
    task(company, "ACME")
    task(company, "INITECH", kind="no_address", assigned_to=colin)
    other = get_user_model().objects.create_user("other")
    assert [i.customer.code for i in worklist(company, TODAY, user_id=colin.pk)] == ["INITECH"]
    CustomerProfile.objects.create(
        company=company, customer=company.customers.get(code="ACME"), collector=colin
    )
    assert {i.customer.code for i in worklist(company, TODAY, user_id=colin.pk)} == {
        "ACME",
        "INITECH",
    }
    assert worklist(company, TODAY, user_id=other.pk) == []
    assert len(worklist(company, TODAY)) == 2


def test_no_answer_brings_the_call_back_the_next_business_day(company):
    call = task(company, "ACME")
    do_call_outcome(company, call.pk, "no_answer", Actor("colin"), date(2025, 8, 1))  # Friday
    call.refresh_from_db()
    assert (call.status, call.outcome, call.done_by) == ("done", "no_answer", "colin")
    again = Task.objects.get(company=company, status="open")
    assert (again.kind, again.day, again.amount) == ("call", date(2025, 8, 4), 1000_00)
    assert AuditEvent.objects.filter(action="task_done", object_ref="ACME").count() == 1
    with pytest.raises(InvalidInputError):  # a closed task cannot be worked again
        do_call_outcome(company, call.pk, "reached", Actor("colin"), TODAY)


def test_a_wrong_contact_opens_a_task_for_the_right_one(company):
    call = task(company, "ACME")
    do_call_outcome(company, call.pk, "wrong_contact", Actor("colin"), TODAY)
    opened = Task.objects.get(company=company, status="open")
    assert opened.kind in ("no_address", "bad_address") and opened.customer.code == "ACME"


def test_a_promise_outcome_records_the_promise_and_closes_the_task(company):
    call = task(company, "ACME")
    promise = do_promise_outcome(
        company, call.pk, "1000.00", date(2025, 8, 10), Actor("colin"), TODAY
    )
    assert Promise.objects.get().pk == promise.pk and promise.amount == 1000_00
    call.refresh_from_db()
    assert (call.status, call.outcome) == ("done", "promise")


def test_a_failed_promise_leaves_the_task_open(company):
    call = task(company, "ACME")
    with pytest.raises(InvalidInputError):
        do_promise_outcome(company, call.pk, "-5", date(2025, 8, 10), Actor("colin"), TODAY)
    call.refresh_from_db()
    assert call.status == "open" and not Promise.objects.exists()


def test_a_dispute_outcome_opens_the_dispute(company):
    call = task(company, "ACME")
    do_dispute_outcome(company, call.pk, "F1", "quality", Actor("colin"), TODAY)
    assert Dispute.objects.get().reason == "quality"
    call.refresh_from_db()
    assert call.outcome == "dispute"


def test_an_approval_approves_or_rejects_the_waiting_messages(company):
    waiting = message(company, "ACME", "2025-06-20", status="approval")
    approval = task(company, "ACME", kind="approval", step_key="r1")
    do_decide_approval(company, approval.pk, True, Actor("manon"), TODAY)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.approved_by) == ("pending", "manon")
    other = message(company, "INITECH", "2025-02-09", status="approval")
    rejected = task(company, "INITECH", kind="approval", step_key="r1")
    do_decide_approval(company, rejected.pk, False, Actor("manon"), TODAY)
    other.refresh_from_db()
    assert other.status == "rejected"


def test_another_companys_task_is_not_found(company):
    call = task(company, "ACME")
    second = Company.objects.create(code="OTHER", name="Other")
    with pytest.raises(NotFoundError):
        do_call_outcome(second, call.pk, "reached", Actor("colin"), TODAY)
    call.refresh_from_db()
    assert call.status == "open"


def test_approving_a_message_alone_finds_or_opens_its_approval_task(company):
    waiting = message(company, "ACME", "2025-06-20", status="approval")
    assert do_approve_message(company, waiting.pk, Actor("manon"), TODAY) == 1
    waiting.refresh_from_db()
    assert waiting.status == "pending" and waiting.approved_at is not None
    assert Task.objects.get(kind="approval").outcome == "approved"
    with pytest.raises(InvalidInputError):  # approved once only
        do_approve_message(company, waiting.pk, Actor("manon"), TODAY)
    with pytest.raises(NotFoundError):
        do_approve_message(company, waiting.pk + 1000, Actor("manon"), TODAY)


def test_a_promise_takes_the_customer_out_of_the_next_days_plan(company):
    def planned(day):
        return {a.customer for a in dunning_plan(company, day).actions}

    tomorrow = date(2025, 8, 1)
    assert "ACME" in planned(tomorrow)
    call = task(company, "ACME")
    do_promise_outcome(company, call.pk, "1000.00", date(2025, 8, 20), Actor("colin"), TODAY)
    assert "ACME" not in planned(tomorrow) and "INITECH" in planned(tomorrow)


def test_the_timeline_tells_messages_tasks_promises_disputes_newest_first(company):
    sent = message(company, "ACME", "2025-06-20")
    call = task(company, "ACME")
    do_promise_outcome(company, call.pk, "12.34", date(2025, 8, 20), Actor("colin"), TODAY)
    later = task(company, "ACME", key="call:later")
    do_dispute_outcome(company, later.pk, "F1", "price", Actor("colin"), date(2025, 8, 5))
    acme = company.customers.get(code="ACME")
    events = timeline(company, acme)
    assert [e.day for e in events] == sorted((e.day for e in events), reverse=True)
    assert events[0].day == date(2025, 8, 5)
    kinds = {(e.kind, e.status) for e in events}
    assert {("message", "sent"), ("promise", "open"), ("dispute", "open")} <= kinds
    assert ("task", "done") in kinds
    promise = next(e for e in events if e.kind == "promise").as_json()
    assert promise["amount"] == "12.34" and promise["promised_date"] == "2025-08-20"
    assert next(e for e in events if e.kind == "message").ref == sent.pk
    assert timeline(company, company.customers.get(code="INITECH")) == []
