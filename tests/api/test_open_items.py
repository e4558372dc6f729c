"""GET /api/v1/companies/{company}/customers/{code}/open-items?as_of=."""

from __future__ import annotations

import pytest
import time_machine

from tests.api.support import AS_OF, error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]


def test_it_lists_the_open_items_with_days_past_due_to_the_cent(alice):
    response = alice.get("/api/v1/companies/alpha/customers/GLOBEX/open-items", as_of=AS_OF)
    assert response.status_code == 200
    assert response.json() == {
        "customer": "GLOBEX",
        "as_of": "2026-06-30",
        "currency": "EUR",
        "total": "3200.00",
        "items": [
            {
                "date": "2026-03-01",
                "kind": "invoice",
                "number": "FA003",
                "label": "Facture FA003",
                "due_date": "2026-03-31",
                "amount": "2400.00",
                "open_amount": "2400.00",
                "days_past_due": 91,
            },
            {
                "date": "2026-04-15",
                "kind": "invoice",
                "number": "FA004",
                "label": "Facture FA004",
                "due_date": "2026-05-15",
                "amount": "1800.00",
                "open_amount": "800.00",
                "days_past_due": 46,
            },
        ],
    }


def test_unapplied_cash_is_an_open_item_with_a_negative_amount(alice):
    items = alice.get("/api/v1/companies/alpha/customers/UMBRELLA/open-items", as_of=AS_OF).json()
    assert items["total"] == "-400.00"
    assert [(i["kind"], i["open_amount"], i["due_date"]) for i in items["items"]] == [
        ("payment", "-400.00", None)
    ]


def test_the_date_defaults_to_today(alice):
    with time_machine.travel("2026-07-31 12:00 +0200", tick=False):
        body = alice.get("/api/v1/companies/alpha/customers/GLOBEX/open-items").json()
    assert body["as_of"] == "2026-07-31"
    assert [i["number"] for i in body["items"]] == ["FA004"]  # FA003 settled by the July payment


def test_it_rejects_a_date_that_is_not_one(alice):
    response = alice.get("/api/v1/companies/alpha/customers/GLOBEX/open-items", as_of="2026-13-01")
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == ["as_of"]


def test_a_sales_user_gets_no_open_items_of_another_reps_customer(sam):
    assert (
        sam.get("/api/v1/companies/alpha/customers/INITECH/open-items", as_of=AS_OF).status_code
        == 404
    )
    assert (
        sam.get("/api/v1/companies/alpha/customers/ACME/open-items", as_of=AS_OF).json()["total"]
        == "700.00"
    )
