"""The collector's worklist in the browser's pages: tasks ranked, outcomes recorded, rights."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from creditpilot.accounts.services import do_add_user
from creditpilot.collections.dunning import dunning_plan
from creditpilot.collections.interest import interest_report
from creditpilot.collections.models import CustomerProfile, Message, Promise, Task
from creditpilot.collections.services import open_debits
from creditpilot.customers.models import Customer
from creditpilot.orchestration.daily import do_daily_run
from tests.web.conftest import AS_OF, PASSWORD

pytestmark = [pytest.mark.store]


NOTICE_DAY = date(2026, 7, 15)  # INITECH's FA010, due 31 May, is 45 days late: formal notice


@pytest.fixture
def day(world):
    do_add_user("colin", password=PASSWORD, companies=[world.a], role="collector")
    Customer.objects.filter(company=world.a, code="INITECH").update(
        email="compta@initech.fr", address="4 rue Neuve\n69001 Lyon"
    )
    do_daily_run(world.a, AS_OF)
    return world


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    return html.unescape(body[body.index("<main>") : body.index("</main>")])


def test_the_worklist_ranks_the_days_tasks_in_french(day):
    tasks = Task.objects.filter(company=day.a, status="open")
    assert tasks.exists()
    body = page(day.client("alice"), f"/c/{day.a.code}/worklist/?all=1&as_of={AS_OF}")
    assert "Relances du jour" in body and "Classées par encaissement attendu" in body
    for task in tasks:
        assert f'id="task-{task.pk}"' in body
    for english in ("Call", "approval", "no_address", "Worklist", "expected", "Amount at stake"):
        assert english not in body, english


def test_a_call_outcome_promise_takes_the_customer_out_of_the_next_days_reminders(day):
    call = Task.objects.filter(company=day.a, kind="call", status="open").first()
    if call is None:  # the hand ledger's calls come with reminder 3; make one when none is due
        call = Task.objects.create(
            company=day.a,
            customer=day.a.customers.get(code="ACME"),
            kind="call",
            key="call:test",
            day=AS_OF,
            amount=100_00,
        )
    code = call.customer.code
    debits = [d.number for d in open_debits(call.customer, AS_OF)]
    response = day.client("colin").post(
        f"/c/{day.a.code}/tasks/{call.pk}/outcome/",
        {
            "outcome": "promise",
            "as_of": AS_OF.isoformat(),
            "amount": "1.00",
            "promised_date": (AS_OF + timedelta(days=10)).isoformat(),
            "items": debits,
        },
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.status, call.outcome, call.done_by) == ("done", "promise", "colin")
    assert Promise.objects.filter(customer=call.customer).count() == 1
    tomorrow = {a.customer for a in dunning_plan(day.a, AS_OF + timedelta(days=1)).actions}
    assert code not in tomorrow


def test_an_approval_sends_the_step_and_a_collector_cannot_approve(day):
    do_daily_run(day.a, NOTICE_DAY)
    approval = Task.objects.filter(company=day.a, kind="approval", status="open").first()
    assert approval is not None, "the hand ledger has a formal notice due"
    url = f"/c/{day.a.code}/tasks/{approval.pk}/outcome/"
    assert day.client("colin").post(url, {"outcome": "approve"}).status_code == 403
    assert day.client("alice").post(url, {"outcome": "approve"}).status_code == 302
    waiting = Message.objects.filter(customer=approval.customer, step_key=approval.step_key)
    assert sorted((m.channel, m.status, m.approved_by) for m in waiting) == [
        ("email", "pending", "alice"),
        ("letter", "sent", "alice"),
    ]


def test_rights_and_scope(day):
    task = Task.objects.filter(company=day.a, status="open").first()
    url = f"/c/{day.a.code}/tasks/{task.pk}/outcome/"
    for reader in ("audrey", "sam"):
        assert day.client(reader).post(url, {"outcome": "reached"}).status_code in (403, 404)
    assert day.client("bob").post(url, {"outcome": "reached"}).status_code == 404
    # a sales rep sees the dunning of their own customers only, without buttons
    body = page(day.client("sam"), f"/c/{day.a.code}/worklist/?as_of={AS_OF}")
    assert "GLOBEX" not in body and '<button type="submit" name="outcome"' not in body
    task.refresh_from_db()
    assert task.status == "open"


def test_the_customer_page_shows_its_reminders_and_the_letter(day):
    do_daily_run(day.a, NOTICE_DAY)
    letter = Message.objects.filter(company=day.a, channel="letter").first()
    assert letter is not None
    client = day.client("alice")
    body = page(client, f"/c/{day.a.code}/customers/{letter.customer.code}/?as_of={AS_OF}")
    assert "Relances, promesses et litiges" in body
    assert "Courrier « Mise en demeure (L441-10) » (en attente de validation)" in body
    pdf = client.get(f"/c/{day.a.code}/messages/{letter.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert day.client("bob").get(f"/c/{day.a.code}/messages/{letter.pk}/pdf/").status_code == 404


def test_the_collector_and_the_key_customer_flag_are_set_on_the_customer_page(day):

    url = f"/c/{day.a.code}/customers/GLOBEX/collection/"
    colin = get_user_model().objects.get(username="colin")
    assert day.client("colin").post(url, {"collector": colin.pk}).status_code == 403
    assert (
        day.client("alice").post(url, {"collector": colin.pk, "key_customer": "1"}).status_code
        == 302
    )
    profile = CustomerProfile.objects.get(customer__company=day.a, customer__code="GLOBEX")
    assert (profile.collector_id, profile.key_customer) == (colin.pk, True)
    # the collector's own list: the tasks of the customers they collect
    Task.objects.create(
        company=day.a, customer=profile.customer, kind="call", key="call:mine", day=AS_OF
    )
    body = page(day.client("colin"), f"/c/{day.a.code}/worklist/?mine=1&as_of={AS_OF}")
    assert "GLOBEX" in body and "INITECH" not in body


def test_a_customer_is_left_out_of_dunning_until_a_date_then_dunned_again(day):
    client = day.client("alice")
    url = f"/c/{day.a.code}/customers/INITECH/collection/"
    today = timezone.localdate()
    refused = client.post(url, {"what": "pause", "reason": ""}, follow=True)
    assert "Indiquez pourquoi le client ne doit pas être relancé." in refused.content.decode()
    client.post(url, {"what": "pause", "reason": "Redressement en cours", "until": ""})
    body = page(client, f"/c/{day.a.code}/customers/INITECH/")
    assert "Ne pas relancer" in body and "Redressement en cours" in body
    assert "INITECH" not in {a.customer for a in dunning_plan(day.a, today).actions}
    client.post(url, {"what": "resume"})
    after = page(client, f"/c/{day.a.code}/customers/INITECH/")
    assert 'id="paused"' not in after and "Arrêter les relances" in after


def test_the_customer_page_shows_the_late_payment_interest(day):

    report = interest_report(day.a, AS_OF, day.a.customers.get(code="GLOBEX").pk)
    assert report.total_interest > 0
    body = page(day.client("alice"), f"/c/{day.a.code}/customers/GLOBEX/?as_of={AS_OF}")
    euros, cents = divmod(report.total_interest, 100)
    assert "Pénalités de retard au jour (L441-10)" in body and f"{euros},{cents:02d}" in body
    assert f"{report.total_indemnity // 100},00" in body
