"""Payment plans, litigation cases and provisions over the API: scoped, audited, refused
with a reason like the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from creditpilot.audit.models import AuditEvent
from creditpilot.risk.provisions import do_propose_provisions
from tests.api.support import AS_OF, error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]
BASE = "/api/v1/companies/alpha"


def _open(persona, code: str) -> dict[str, Decimal]:
    body = persona.get(f"{BASE}/customers/{code}/open-items", as_of=AS_OF).json()
    return {item["number"]: Decimal(item["open_amount"]) for item in body["items"]}


def test_a_payment_plan_is_agreed_read_and_refused_when_it_does_not_add_up(alice, audrey, bob):
    with time_machine.travel(date(2026, 6, 30), tick=False):
        owed = _open(alice, "GLOBEX")["FA003"]
        half = (owed / 2).quantize(Decimal("0.01"))
        instalments = [
            {"date": "2026-07-15", "amount": str(half)},
            {"date": "2026-08-15", "amount": str(owed - half + Decimal("10.00"))},
        ]
        wrong = alice.post_json(
            f"{BASE}/customers/GLOBEX/plans", {"instalments": instalments, "items": ["FA003"]}
        )
        assert wrong.status_code == 422 and error_of(wrong)["code"] == "plan_does_not_add_up"
        made = alice.post_json(
            f"{BASE}/customers/GLOBEX/plans",
            {"instalments": instalments, "items": ["FA003"], "interest": "10.00"},
        )
        assert made.status_code == 201, made.json()
        plan = made.json()
        assert (plan["status"], plan["items"], plan["interest"]) == ("active", ["FA003"], "10.00")
        # each instalment is the running total due by its date
        assert [(i["date"], i["due"]) for i in plan["instalments"]] == [
            ("2026-07-15", str(half)),
            ("2026-08-15", str(owed + Decimal("10.00"))),
        ]
        listed = alice.get(f"{BASE}/customers/GLOBEX/plans").json()
        assert [p["id"] for p in listed["plans"]] == [plan["id"]]
        body = {"instalments": instalments[:1]}
        assert audrey.post_json(f"{BASE}/customers/GLOBEX/plans", body).status_code == 403
        assert bob.get(f"{BASE}/customers/GLOBEX/plans").status_code == 404


def test_a_case_is_opened_funded_moved_claimed_and_closed(alice, sam, bob):
    with time_machine.travel(date(2026, 6, 30), tick=False):
        opened = alice.post_json(f"{BASE}/customers/INITECH/cases", {"stage": "formal_notice"})
        assert opened.status_code == 201, opened.json()
        case = opened.json()
        assert case["stage"] == "formal_notice" and case["items"] and case["outcome"] == ""
        url = f"{BASE}/customers/INITECH/cases/{case['id']}"
        funded = alice.patch(url, {"costs": "150.00", "recovered": "20.00"})
        assert funded.status_code == 200 and funded.json()["costs"] == "150.00"
        # an insolvency claim needs its publication: nothing of the request is kept
        refused = alice.patch(url, {"stage": "insolvency_claim", "costs": "5.00"})
        assert refused.status_code == 422
        assert error_of(refused)["code"] == "publication_missing"
        assert alice.get(f"{BASE}/customers/INITECH/cases").json()["cases"][0]["costs"] == "150.00"
        moved = alice.patch(url, {"stage": "insolvency_claim", "published": "2026-06-15"})
        assert moved.json()["deadline"] == "2026-08-15"
        claim = alice.get(f"{url}/claim", as_of="2026-06-30").json()
        assert claim["case"] == case["id"] and claim["items"]
        total = sum(Decimal(claim[k]) for k in ("principal", "interest", "indemnity"))
        assert Decimal(claim["total"]) == total and Decimal(claim["indemnity"]) > 0
        # a write-off needs its decision; settled closes it
        no = alice.patch(url, {"outcome": "written_off"})
        assert no.status_code == 422 and error_of(no)["code"] == "write_off_not_approved"
        closed = alice.patch(url, {"outcome": "settled"})
        assert (closed.json()["outcome"], closed.json()["closed_on"]) == ("settled", "2026-06-30")
        # Initech is not Sam's; another company sees nothing; another customer's case neither
        assert sam.get(f"{BASE}/customers/INITECH/cases").status_code == 404
        assert bob.patch(url, {"outcome": "settled"}).status_code == 404
        assert alice.get(f"{BASE}/customers/ACME/cases/{case['id']}/claim").status_code == 404
    assert AuditEvent.objects.filter(action__startswith="case_").count() >= 4


def test_provisions_are_read_within_the_scope_and_approved_by_who_may(alpha, alice, sam, bob):
    report = alice.get(f"{BASE}/provisions", as_of="2027-06-30").json()
    everyone = {item["customer"] for item in report["items"]}
    assert len(everyone) > 1 and report["total_provision"] != "0.00"
    own = sam.get(f"{BASE}/provisions", as_of="2027-06-30").json()
    assert {item["customer"] for item in own["items"]} == everyone & {"ACME", "GLOBEX"}

    do_propose_provisions(alpha, date(2027, 6, 30))
    url = f"{BASE}/provisions/2027-06-30"
    run = alice.get(url).json()
    assert run["status"] == "proposed" and run["total"] == report["total_provision"]
    assert alice.get(f"{BASE}/provisions/2027-05-31").status_code == 404
    assert bob.get(url).status_code == 404
    assert sam.post_json(f"{url}/approve", {}).status_code == 403
    approved = alice.post_json(f"{url}/approve", {})
    assert approved.status_code == 200 and approved.json()["approved_by"] == "alice"
    again = alice.post_json(f"{url}/approve", {})
    assert again.status_code == 422 and error_of(again)["code"] == "provisions_approved"
