"""The order book over the API: GET .../orders, PUT and DELETE .../orders/{number}.

Orders not yet invoiced count in the customer's exposure (the credit check); an
order system keeps them one at a time, each write audited.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from creditpilot.audit.models import AuditEvent
from creditpilot.risk.models import Order
from tests.api.support import error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]

BOOK = "/api/v1/companies/alpha/orders"
ORDER = f"{BOOK}/CMD-1"
CHECK = "/api/v1/companies/alpha/credit-check"


def put(persona, number, customer, day, amount, company="alpha"):
    return persona.put(
        f"/api/v1/companies/{company}/orders/{number}",
        {"customer": customer, "date": day, "amount": amount},
    )


def book(company):
    return sorted(
        (o.number, o.customer.code, o.date.isoformat(), o.amount)
        for o in Order.objects.filter(company=company)
    )


def test_a_put_creates_the_order_then_replaces_it_each_time_audited(alice, alpha):
    created = put(alice, "CMD-1", "ACME", "2026-06-20", "1500.00")
    assert created.status_code == 201
    assert created.json() == {
        "customer": "ACME",
        "number": "CMD-1",
        "date": "2026-06-20",
        "amount": "1500.00",
    }
    assert book(alpha) == [("CMD-1", "ACME", "2026-06-20", 150000)]
    event = AuditEvent.objects.get(company=alpha, action="order_saved")
    assert (event.username, event.object_type, event.object_ref) == ("alice", "order", "CMD-1")
    assert (event.before, event.after) == ({}, created.json())

    replaced = put(alice, "CMD-1", "GLOBEX", "2026-06-21", "900.5")
    assert replaced.status_code == 200
    assert replaced.json()["amount"] == "900.50" and replaced.json()["customer"] == "GLOBEX"
    assert book(alpha) == [("CMD-1", "GLOBEX", "2026-06-21", 90050)]
    last = AuditEvent.objects.filter(company=alpha, action="order_saved").latest("id")
    assert (last.before, last.after) == (created.json(), replaced.json())

    again = put(alice, "CMD-1", "GLOBEX", "2026-06-21", "900.50")
    assert again.status_code == 200
    assert AuditEvent.objects.filter(company=alpha, action="order_saved").count() == 2


def test_the_list_gives_the_open_orders_and_their_total_filtered_by_customer(alice, alpha):
    assert alice.get(BOOK).json() == {"orders": [], "total": "0.00"}
    put(alice, "CMD-2", "GLOBEX", "2026-06-02", "250.00")
    put(alice, "CMD-1", "ACME", "2026-06-05", "1000.10")
    put(alice, "CMD-3", "ACME", "2026-06-01", "0.90")
    listed = alice.get(BOOK)
    assert listed.status_code == 200
    assert listed.json() == {
        "orders": [
            {"customer": "ACME", "number": "CMD-3", "date": "2026-06-01", "amount": "0.90"},
            {"customer": "ACME", "number": "CMD-1", "date": "2026-06-05", "amount": "1000.10"},
            {"customer": "GLOBEX", "number": "CMD-2", "date": "2026-06-02", "amount": "250.00"},
        ],
        "total": "1251.00",
    }
    acme = alice.get(BOOK, customer="ACME").json()
    assert [o["number"] for o in acme["orders"]] == ["CMD-3", "CMD-1"]
    assert acme["total"] == "1001.00"
    assert alice.get(BOOK, customer="UMBRELLA").json() == {"orders": [], "total": "0.00"}
    unknown = alice.get(BOOK, customer="NOPE")
    assert unknown.status_code == 404 and error_of(unknown)["message"] == "no such customer"


def test_a_sales_user_lists_only_the_orders_of_their_customers(alice, sam):
    put(alice, "CMD-1", "ACME", "2026-06-05", "100.00")
    put(alice, "CMD-2", "INITECH", "2026-06-05", "200.00")  # Nadia's customer
    assert [o["number"] for o in sam.get(BOOK).json()["orders"]] == ["CMD-1"]
    assert sam.get(BOOK).json()["total"] == "100.00"
    assert sam.get(BOOK, customer="INITECH").status_code == 404


def test_a_delete_removes_the_order_and_an_unknown_one_is_a_404(alice, alpha):
    put(alice, "CMD-1", "ACME", "2026-06-05", "100.00")
    put(alice, "CMD-2", "ACME", "2026-06-06", "200.00")
    removed = alice.delete(ORDER)
    assert removed.status_code == 204 and removed.content == b""
    assert book(alpha) == [("CMD-2", "ACME", "2026-06-06", 20000)]
    event = AuditEvent.objects.get(company=alpha, action="order_removed")
    assert (event.username, event.object_ref, event.after) == ("alice", "CMD-1", {})
    assert event.before == {
        "customer": "ACME",
        "number": "CMD-1",
        "date": "2026-06-05",
        "amount": "100.00",
    }
    again = alice.delete(ORDER)
    assert again.status_code == 404 and error_of(again)["message"] == "no such order"
    assert AuditEvent.objects.filter(action="order_removed").count() == 1


def test_a_put_of_zero_removes_the_order(alice, alpha):
    put(alice, "CMD-1", "ACME", "2026-06-05", "100.00")
    zero = put(alice, "CMD-1", "ACME", "2026-06-05", "0.00")
    assert zero.status_code == 204
    assert book(alpha) == []
    assert AuditEvent.objects.filter(action="order_removed", object_ref="CMD-1").count() == 1
    # nothing to remove: nothing happens, nothing is audited
    assert put(alice, "CMD-9", "ACME", "2026-06-05", "0").status_code == 204
    assert book(alpha) == [] and AuditEvent.objects.filter(action="order_removed").count() == 1


@time_machine.travel(date(2026, 4, 1), tick=False)  # before any item is 60 days late
def test_the_credit_check_counts_the_orders_in_the_exposure(alice):
    def exposure():
        body = alice.get(CHECK, customer="ACME", amount="10.00").json()
        return Decimal(body["exposure"]), body["decision"]

    before, decision = exposure()
    assert decision == "accept"
    put(alice, "CMD-1", "ACME", "2026-06-05", "4999.99")
    assert exposure() == (before + Decimal("4999.99"), "hold")  # over ACME's limit of 5000.00
    put(alice, "CMD-1", "ACME", "2026-06-05", "1.00")
    assert exposure() == (before + Decimal("1.00"), "accept")
    alice.delete(ORDER)
    assert exposure() == (before, "accept")


@pytest.mark.parametrize(
    "number, body, field",
    [
        ("CMD-1", {"customer": "NOPE", "date": "2026-06-05", "amount": "1.00"}, "customer"),
        ("CMD-1", {"customer": "ACME", "date": "2026-06-05", "amount": "-1.00"}, "amount"),
        ("CMD-1", {"customer": "ACME", "date": "2026-06-05", "amount": "1.005"}, "amount"),
        ("CMD-1", {"customer": "ACME", "date": "2026-06-05", "amount": "1e3"}, "amount"),
        ("CMD-1", {"customer": "ACME", "date": "2026-06-05", "amount": 100}, "amount"),
        ("CMD-1", {"customer": "ACME", "date": "2026-13-01", "amount": "1.00"}, "date"),
        ("CMD-1", {"customer": "ACME", "date": "05/06/2026", "amount": "1.00"}, "date"),
        ("CMD-1", {"customer": "ACME", "date": "0", "amount": "1.00"}, "date"),
        ("CMD-1", {"customer": "ACME", "amount": "1.00"}, "date"),
        ("CMD-1", {"customer": "AC\x00ME", "date": "2026-06-05", "amount": "1.00"}, "customer"),
        (
            "CMD-1",
            {"customer": "ACME", "date": "2026-06-05", "amount": "1.00", "note": "x"},
            "note",
        ),
        ("X" * 101, {"customer": "ACME", "date": "2026-06-05", "amount": "1.00"}, "number"),
        ("CMD%001", {"customer": "ACME", "date": "2026-06-05", "amount": "1.00"}, "number"),
        ("CMD%0A1", {"customer": "ACME", "date": "2026-06-05", "amount": "1.00"}, "number"),
        ("%20CMD-1", {"customer": "ACME", "date": "2026-06-05", "amount": "1.00"}, "number"),
    ],
)
def test_a_bad_order_is_refused_naming_the_field(alice, alpha, number, body, field):
    response = alice.put(f"{BOOK}/{number}", body)
    assert response.status_code == 422, response.content
    error = error_of(response)
    assert field in error["fields"], error
    assert book(alpha) == []
    assert not AuditEvent.objects.filter(object_type="order").exists()


def test_an_unknown_customer_is_named_in_the_reason(alice, alpha):
    error = error_of(put(alice, "CMD-1", "NOPE", "2026-06-05", "1.00"))
    assert error["code"] == "unknown_customer"
    assert error["fields"] == {"customer": "unknown customer 'NOPE' in company alpha"}
    assert "NOPE" in error["message"]


def test_a_delete_of_a_number_with_a_control_character_is_refused(alice):
    response = alice.delete(f"{BOOK}/CMD%001")
    assert response.status_code == 422 and "number" in error_of(response)["fields"]


def test_a_body_that_is_not_json_is_refused(alice, alpha):
    headers = alice._headers()
    body = "customer=ACME&date=2026-06-05&amount=1.00"
    form = alice.client.put(
        ORDER, body, content_type="application/x-www-form-urlencoded", headers=headers
    )
    assert form.status_code == 415 and error_of(form)["code"] == "unsupported_media_type"
    broken = alice.client.put(ORDER, "{", content_type="application/json", headers=headers)
    assert broken.status_code == 400 and error_of(broken)["code"] == "bad_request"
    assert book(alpha) == []


def test_another_companys_user_gets_the_404_and_sees_nothing(alice, bob, alpha, beta):
    put(alice, "CMD-1", "ACME", "2026-06-05", "100.00")
    body = {"customer": "ACME", "date": "2026-06-05", "amount": "999.00"}
    for response, missing in (
        (bob.get(BOOK), bob.get("/api/v1/companies/nope/orders")),
        (bob.put(ORDER, body), bob.put("/api/v1/companies/nope/orders/CMD-1", body)),
        (bob.delete(ORDER), bob.delete("/api/v1/companies/nope/orders/CMD-1")),
    ):
        assert response.status_code == 404
        assert response.json() == missing.json()
    assert book(alpha) == [("CMD-1", "ACME", "2026-06-05", 10000)]
    # numbers are unique per company: Bob's CMD-1 is Beta's own, for Beta's Acme
    assert put(bob, "CMD-1", "ACME", "2026-06-07", "5.00", company="beta").status_code == 201
    assert put(bob, "CMD-2", "GLOBEX", "2026-06-07", "5.00", company="beta").status_code == 422
    assert bob.get("/api/v1/companies/beta/orders").json()["total"] == "5.00"
    assert book(beta) == [("CMD-1", "ACME", "2026-06-07", 500)]
    assert book(alpha) == [("CMD-1", "ACME", "2026-06-05", 10000)]
    assert alice.get(BOOK).json()["total"] == "100.00"


def test_a_read_only_user_lists_the_orders_but_may_not_change_them(alice, audrey, sam, alpha):
    put(alice, "CMD-1", "ACME", "2026-06-05", "100.00")
    assert audrey.get(BOOK).json()["total"] == "100.00"
    for persona in (audrey, sam):
        refused = put(persona, "CMD-1", "ACME", "2026-06-05", "1.00")
        assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
        assert put(persona, "CMD-2", "ACME", "2026-06-05", "1.00").status_code == 403
        assert persona.delete(ORDER).status_code == 403
    assert book(alpha) == [("CMD-1", "ACME", "2026-06-05", 10000)]
