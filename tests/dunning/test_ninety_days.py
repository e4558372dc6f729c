"""Done when: over 90 consecutive days on the demo company the right reminders reach a local
SMTP server, each once, and a disputed or promised item is never chased."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest

from creditpilot.collections.models import Dispute, Message, Promise
from creditpilot.collections.services import do_add_dispute, do_add_promise, open_debits
from creditpilot.core.dunning import default_strategy
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.orchestration.daily import do_daily_run
from creditpilot.receivables.demo_load import do_load_demo
from creditpilot.receivables.models import Document

pytestmark = [pytest.mark.store, pytest.mark.django_db]

START = date(2026, 9, 1)
DAYS = [START + timedelta(days=n) for n in range(90)]
STEP_DAYS = {s.key: s.days for s in default_strategy().steps}


def _paused(item_id: int, day: date) -> bool:
    disputed = Dispute.objects.filter(item_id=item_id, opened_on__lte=day).exclude(
        closed_on__lte=day
    )
    promised = Promise.objects.filter(items__id=item_id, made_on__lte=day).exclude(
        resolved_on__lte=day
    )
    return (
        Document.objects.filter(id=item_id, disputed=True).exists()
        or disputed.exists()
        or any(p.promised_date + timedelta(days=p.grace_days) >= day for p in promised)
    )


def test_ninety_days_of_dunning_on_the_demo_company(smtp):
    company = do_load_demo(None, customers=40, lines=None, seed=11, end=START).company
    customers = list(Customer.objects.filter(company=company).order_by("code"))
    for n, day in enumerate(DAYS):
        if n == 10:  # a collector records a dispute and a promise on the oldest items
            for customer in customers[:6]:
                debits = open_debits(customer, day)
                if len(debits) >= 2:
                    do_add_dispute(company, customer.code, debits[0].number, "quality", today=day)
                    do_add_promise(
                        company,
                        customer.code,
                        format_cents(debits[1].open),
                        day + timedelta(days=20),
                        today=day,
                        items=[debits[1].number],
                    )
        do_daily_run(company, day)

    messages = list(Message.objects.filter(company=company).order_by("day", "id"))
    emails = [m for m in messages if m.channel == "email" and m.status == "sent"]
    assert len(emails) > 50
    # every email sent reached the server, once
    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == sorted(
        m.message_id for m in emails
    )
    assert len({m.message_id for m in emails}) == len(emails)
    seen: dict[tuple[int, str, str], date] = {}
    steps_of: dict[int, list[int]] = defaultdict(list)
    for message in messages:
        for item in message.items:
            key = (item["id"], message.step_key, message.channel)
            assert key not in seen, f"{key} sent on {seen[key]} and {message.day}"
            seen[key] = message.day
            assert not _paused(item["id"], message.day), (message.customer.code, item, message.day)
        if message.channel == "email":
            steps_of[message.customer_id].append(STEP_DAYS[message.step_key])
    # customers went through several steps of the strategy
    assert any(len(s) >= 3 for s in steps_of.values())
    assert Dispute.objects.filter(company=company).exists()
    assert Promise.objects.filter(company=company).exists()
