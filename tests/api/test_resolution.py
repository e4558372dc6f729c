"""Disputes to their resolution, escalation decisions and portal links over the API: scoped,
audited, and refused with a reason like the pages."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from creditpilot.accounts.rights import Role
from creditpilot.audit.models import AuditEvent
from creditpilot.collections.models import Decision, Dispute, PortalLink
from tests.api.conftest import persona
from tests.api.support import error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]
BASE = "/api/v1/companies/alpha"
TODAY = date(2026, 6, 30)


def _open_item(who, code: str) -> str:
    items = who.get(f"{BASE}/customers/{code}/open-items", as_of=TODAY.isoformat()).json()
    return next(i["number"] for i in items["items"] if not i["number"].startswith("AV"))


def test_a_dispute_is_assigned_then_resolved_by_its_owner(alice, sam, audrey, bob):
    with time_machine.travel(TODAY, tick=False):
        item = _open_item(alice, "GLOBEX")
        made = alice.post_json(
            f"{BASE}/customers/GLOBEX/disputes", {"item": item, "reason": "price"}
        )
        assert made.status_code == 201, made.json()
        (row,) = alice.get(f"{BASE}/disputes").json()["disputes"]
        assert (row["customer"], row["item"], row["status"], row["owner"]) == (
            "GLOBEX", item, "open", ""
        )  # fmt: skip
        assert row["deadline"] == "2026-07-30" and not row["overdue"]
        url = f"{BASE}/disputes/{row['id']}"
        # an owner who is not a user of the company: nothing of the request is kept
        refused = alice.patch(url, {"owner": "nobody", "deadline": "2026-07-10"})
        assert refused.status_code == 422 and error_of(refused)["code"] == "unknown_owner"
        assert Dispute.objects.get(pk=row["id"]).deadline is None
        early = alice.patch(url, {"deadline": "2026-01-01"})
        assert error_of(early)["code"] == "deadline_before_opening"
        # the sales rep may own it; then they resolve it, though they do not collect
        assert sam.patch(url, {"resolution": "credit_note"}).status_code == 403
        assigned = alice.patch(url, {"owner": "sam", "deadline": "2026-07-10"})
        assert assigned.status_code == 200, assigned.json()
        assert (assigned.json()["owner"], assigned.json()["deadline"]) == ("sam", "2026-07-10")
        assert audrey.patch(url, {"resolution": "rejected"}).status_code == 403
        assert bob.patch(url, {"resolution": "rejected"}).status_code == 404
        done = sam.patch(url, {"resolution": "credit_note", "note": "avoir AV-9 envoyé"})
        assert done.status_code == 200, done.json()
        body = done.json()
        assert (body["status"], body["resolution"], body["closed_on"]) == (
            "closed", "credit_note", "2026-06-30"
        )  # fmt: skip
        assert body["resolution_note"] == "avoir AV-9 envoyé"
        again = alice.patch(url, {"resolution": "rejected"})
        assert again.status_code == 422 and error_of(again)["code"] == "dispute_closed"
        assert alice.get(f"{BASE}/disputes").json()["disputes"] == []
        closed = alice.get(f"{BASE}/disputes", status="closed", customer="GLOBEX").json()
        assert [d["id"] for d in closed["disputes"]] == [row["id"]]
        assert alice.get(f"{BASE}/disputes", customer="NOPE").status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"dispute_assigned", "dispute_resolved"} <= actions


def test_the_sales_rep_sees_only_the_disputes_of_their_customers(alice, sam):
    with time_machine.travel(TODAY, tick=False):
        for code in ("GLOBEX", "INITECH"):
            body = {"item": _open_item(alice, code), "reason": "quality"}
            assert alice.post_json(f"{BASE}/customers/{code}/disputes", body).status_code == 201
        assert len(alice.get(f"{BASE}/disputes").json()["disputes"]) == 2
        (own,) = sam.get(f"{BASE}/disputes").json()["disputes"]
        assert own["customer"] == "GLOBEX"
        other = Dispute.objects.get(customer__code="INITECH")
        assert sam.patch(f"{BASE}/disputes/{other.pk}", {"owner": "sam"}).status_code == 404


def test_the_matrix_says_who_decides_and_a_decision_is_refused_above_the_role(alpha, alice):
    colin = persona("colin", alpha, Role.COLLECTOR)
    mona = persona("mona", alpha, Role.MANAGEMENT)
    ada = persona("ada", alpha, Role.ADMIN)
    rows = {r["action"]: r for r in alice.get(f"{BASE}/decision-matrix").json()["rows"]}
    assert rows["formal_notice"] == {
        "action": "formal_notice",
        "collector_up_to": "5000.00",
        "manager_up_to": "50000.00",
        "consult_sales": True,
    }
    body = {"action": "lawyer", "amount": "12000.00", "approve": True, "reason": "no answer"}
    for persona_ in (colin, alice):
        refused = persona_.post_json(f"{BASE}/customers/INITECH/decisions", body)
        assert refused.status_code == 422 and error_of(refused)["code"] == "not_your_decision"
    made = mona.post_json(f"{BASE}/customers/INITECH/decisions", body)
    assert made.status_code == 201, made.json()
    assert (made.json()["decided_by"], made.json()["role"]) == ("mona", "management")
    listed = alice.get(f"{BASE}/customers/INITECH/decisions").json()["decisions"]
    assert [d["id"] for d in listed] == [made.json()["id"]]
    assert Decision.objects.count() == 1
    # the matrix is adapted by who may change the company's settings, bounds in order
    new = {"action": "lawyer", "collector_up_to": "0.00", "manager_up_to": "15000.00"}
    assert alice.put(f"{BASE}/decision-matrix", {"rows": [new]}).status_code == 403
    wrong = ada.put(f"{BASE}/decision-matrix", {"rows": [{**new, "manager_up_to": None}] * 0})
    assert wrong.status_code == 422
    upside = ada.put(f"{BASE}/decision-matrix", {"rows": [{**new, "collector_up_to": "20000.00"}]})
    assert upside.status_code == 422 and error_of(upside)["code"] == "bounds_order"
    changed = ada.put(f"{BASE}/decision-matrix", {"rows": [new]})
    assert changed.status_code == 200
    lawyer = next(r for r in changed.json()["rows"] if r["action"] == "lawyer")
    assert lawyer["manager_up_to"] == "15000.00"
    assert alice.post_json(f"{BASE}/customers/INITECH/decisions", body).status_code == 201
    assert AuditEvent.objects.filter(action="matrix_changed", object_ref="lawyer").count() == 1


def test_a_portal_link_is_issued_once_and_revoked(alpha, alice, sam, audrey, bob):
    issued = alice.post_json(f"{BASE}/customers/GLOBEX/portal-link", {})
    assert issued.status_code == 201, issued.json()
    url = issued.json()["url"]
    assert "/portal/" in url and issued.json()["customer"] == "GLOBEX"
    # the live one comes back: one link a customer
    assert alice.post_json(f"{BASE}/customers/GLOBEX/portal-link", {}).json()["url"] == url
    assert PortalLink.objects.filter(company=alpha).count() == 1
    assert audrey.post_json(f"{BASE}/customers/GLOBEX/portal-link", {}).status_code == 403
    assert sam.delete(f"{BASE}/customers/GLOBEX/portal-link").status_code == 403  # sales
    assert bob.delete(f"{BASE}/customers/GLOBEX/portal-link").status_code == 404
    assert alice.delete(f"{BASE}/customers/GLOBEX/portal-link").status_code == 204
    again = alice.delete(f"{BASE}/customers/GLOBEX/portal-link")
    assert again.status_code == 422 and error_of(again)["code"] == "no_live_link"
    token = url.rsplit("/portal/", 1)[1]
    assert alice.client.get(f"/portal/{token}").status_code == 404  # it opens nothing now
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("portal_link_issued") == 1 and "portal_link_revoked" in actions


def test_the_terms_of_sale_are_written_and_a_text_is_checked(alpha, alice, bob):
    body = alice.get(f"{BASE}/terms-of-sale").json()
    fr, en = body["clauses"]
    assert (fr["language"], en["language"]) == ("fr", "en")
    assert "40 euros" in fr["text"] and "40" in en["text"]
    assert body["own_text"] == "" and body["own_text_missing"] == [
        "terms", "rate", "indemnity", "discount"
    ]  # fmt: skip
    text = "Paiement à 30 jours. Pénalités de retard au taux BCE + 10 points."
    checked = alice.post_json(f"{BASE}/terms-of-sale/check", {"text": text})
    assert checked.status_code == 200 and checked.json()["missing"] == ["indemnity", "discount"]
    assert bob.get(f"{BASE}/terms-of-sale").status_code == 404


def test_a_dispute_change_is_refused_in_clear_words_and_nothing_is_kept(alpha, beta, alice, bob):
    with time_machine.travel(TODAY, tick=False):
        item = _open_item(alice, "GLOBEX")
        alice.post_json(f"{BASE}/customers/GLOBEX/disputes", {"item": item, "reason": "price"})
        mine = Dispute.objects.get(company=alpha)
        url = f"{BASE}/disputes/{mine.pk}"
        for body, field in (
            ({"deadline": "30/07/2026"}, "deadline"),  # not an ISO date
            ({"deadline": "2026-02-30"}, "deadline"),
            ({"resolution": "refund"}, "resolution"),
            ({"owner": "sam\nalice"}, "owner"),
            ({"note": "avoir envoyé"}, "note"),  # a note explains a resolution
        ):
            refused = alice.patch(url, body)
            assert refused.status_code == 422, (body, refused.json())
            assert field in error_of(refused)["fields"], (body, refused.json())
        assert alice.patch(f"{BASE}/disputes/not-a-number", {}).status_code == 422
        # another company's dispute, by its id, through alpha: as if it did not exist
        theirs = bob.get("/api/v1/companies/beta/customers/ACME/open-items", as_of="2026-06-30")
        number = theirs.json()["items"][0]["number"]
        assert (
            bob.post_json(
                "/api/v1/companies/beta/customers/ACME/disputes",
                {"item": number, "reason": "price"},
            ).status_code
            == 201
        )
        other = Dispute.objects.get(company=beta)
        lost = alice.patch(f"{BASE}/disputes/{other.pk}", {"resolution": "rejected"})
        assert lost.status_code == 404 and error_of(lost)["code"] == "not_found"
        assert alice.get(f"{BASE}/disputes", customer="ACME").json()["disputes"] == []
        mine.refresh_from_db()
        other.refresh_from_db()
        assert (mine.status, mine.owner, mine.deadline) == ("open", "", None)
        assert other.status == "open"
        assert not AuditEvent.objects.filter(action__startswith="dispute_res").exists()


def test_a_deadline_given_as_null_is_cleared_one_left_out_is_kept(alpha, alice, sam):
    with time_machine.travel(TODAY, tick=False):
        item = _open_item(alice, "GLOBEX")
        alice.post_json(f"{BASE}/customers/GLOBEX/disputes", {"item": item, "reason": "price"})
        url = f"{BASE}/disputes/{Dispute.objects.get(company=alpha).pk}"
        set_ = alice.patch(url, {"owner": "alice", "deadline": "2026-07-10"}).json()
        assert (set_["owner"], set_["deadline"]) == ("alice", "2026-07-10")
        kept = alice.patch(url, {"owner": "sam"}).json()
        assert (kept["owner"], kept["deadline"]) == ("sam", "2026-07-10")
        cleared = alice.patch(url, {"deadline": None}).json()
        assert (cleared["owner"], cleared["deadline"]) == ("sam", "2026-07-30")  # 30 days
        assert Dispute.objects.get(company=alpha).deadline is None
        nobody = alice.patch(url, {"owner": None}).json()
        assert nobody["owner"] == ""
    assert AuditEvent.objects.filter(action="dispute_assigned").count() == 4
