"""The dunning routes: the day's actions, a customer's timeline, promises, disputes, approvals."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from creditpilot.collections.models import Message, Promise
from creditpilot.customers.models import Customer
from creditpilot.orchestration.daily import do_daily_run
from tests.api.support import AS_OF, error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]
BASE = "/api/v1/companies/alpha"


def test_the_days_actions_are_the_dry_runs_with_the_tasks(alice, sam):
    body = alice.get(f"{BASE}/actions", as_of=AS_OF).json()
    assert body["as_of"] == "2026-06-30"
    assert {a["customer"] for a in body["actions"]} == {"ACME", "GLOBEX", "INITECH"}
    assert all(
        set(a) == {"customer", "step", "channel", "items", "amount", "needs_approval"}
        for a in body["actions"]
    )
    assert body["tasks"] == []
    # a sales user sees the actions of their own customers only
    own = sam.get(f"{BASE}/actions", as_of=AS_OF).json()
    assert {a["customer"] for a in own["actions"]} == {"ACME", "GLOBEX"}


def test_promise_dispute_and_timeline(alice, audrey, bob):
    with time_machine.travel(date(2026, 6, 30), tick=False):
        made = alice.post_json(
            f"{BASE}/customers/GLOBEX/promises",
            {"amount": "1000.00", "date": "2026-07-10", "items": ["FA003"]},
        )
        assert made.status_code == 201, made.json()
        assert made.json()["items"] == ["FA003"] and made.json()["amount"] == "1000.00"
        past = alice.post_json(
            f"{BASE}/customers/GLOBEX/promises", {"amount": "10.00", "date": "2026-06-01"}
        )
        assert past.status_code == 422 and error_of(past)["code"] == "promise_in_past"
        disputed = alice.post_json(
            f"{BASE}/customers/INITECH/disputes", {"item": "FA010", "reason": "quality"}
        )
        assert disputed.status_code == 201 and disputed.json()["opened"] is True
        # read-only roles and other companies are refused
        assert (
            audrey.post_json(
                f"{BASE}/customers/INITECH/disputes", {"item": "FA010", "reason": "price"}
            ).status_code
            == 403
        )
        assert bob.get(f"{BASE}/customers/GLOBEX/timeline").status_code == 404
        events = alice.get(f"{BASE}/customers/GLOBEX/timeline").json()["events"]
        assert [(e["kind"], e["status"], e["amount"]) for e in events] == [
            ("promise", "open", "1000.00")
        ]
        assert alice.delete(f"{BASE}/customers/INITECH/disputes/FA010").status_code == 204
    assert Promise.objects.filter(customer__code="GLOBEX").count() == 1
    plan = alice.get(f"{BASE}/actions", as_of=AS_OF).json()
    globex = [a for a in plan["actions"] if a["customer"] == "GLOBEX"]
    assert all("FA003" not in a["items"] for a in globex)


def test_approving_a_formal_notice(alice, audrey, alpha):
    Customer.objects.filter(company=alpha, code="INITECH").update(address="4 rue Neuve\n69001 Lyon")
    do_daily_run(alpha, date(2026, 7, 15))
    letter = Message.objects.get(company=alpha, customer__code="INITECH", channel="letter")
    assert letter.status == "approval"
    url = f"{BASE}/messages/{letter.pk}/approve"
    assert audrey.post_json(url, {}).status_code == 403
    response = alice.post_json(url, {})
    assert response.status_code == 200 and response.json()["approved"] >= 1
    letter.refresh_from_db()
    assert letter.status == "sent" and letter.approved_by == "alice"
    again = alice.post_json(url, {})
    assert again.status_code == 422 and error_of(again)["code"] == "not_waiting"
    assert alice.post_json(f"{BASE}/messages/999999/approve", {}).status_code == 404
