"""PATCH /api/v1/companies/{company}/customers/{code}: audited changes of terms, limit and settings."""

from __future__ import annotations

import pytest

from creditpilot.audit.models import AuditEvent
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document
from tests.api.support import AS_OF, error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]

URL = "/api/v1/companies/alpha/customers/GLOBEX"


def test_it_sets_the_credit_limit_in_exact_cents_and_audits_it(alice, alpha):
    response = alice.patch(URL, {"credit_limit": "15000.10", "rating": "B"})
    assert response.status_code == 200
    assert (response.json()["credit_limit"], response.json()["rating"]) == ("15000.10", "B")
    globex = Customer.objects.get(company=alpha, code="GLOBEX")
    assert (globex.credit_limit, globex.rating) == (1500010, "B")
    event = AuditEvent.objects.get(company=alpha, action="customer_changed", object_ref="GLOBEX")
    assert event.username == "alice"
    assert event.before == {"credit_limit": None, "rating": ""}
    assert event.after == {"credit_limit": 1500010, "rating": "B"}
    assert event.ip == "127.0.0.1"


def test_fields_left_out_stay_and_null_removes_the_limit(alice, alpha):
    response = alice.patch("/api/v1/companies/alpha/customers/ACME", {"credit_limit": None})
    body = response.json()
    assert (body["credit_limit"], body["segment"], body["sales_rep"]) == (None, "PME", "Sam")
    event = AuditEvent.objects.get(company=alpha, action="customer_changed", object_ref="ACME")
    assert (event.before, event.after) == ({"credit_limit": 500000}, {"credit_limit": None})


def test_new_payment_terms_move_the_derived_due_dates(alice, alpha):
    response = alice.patch(URL, {"payment_terms": "net60"})
    assert response.json()["payment_terms"] == "NET60"
    fa004 = Document.objects.get(company=alpha, number="FA004", kind="invoice")
    assert fa004.due_date.isoformat() == "2026-06-14"  # 2026-04-15 + 60 days
    items = alice.get(f"{URL}/open-items", as_of=AS_OF).json()["items"]
    assert {i["number"]: i["days_past_due"] for i in items} == {"FA003": 61, "FA004": 16}


def test_nothing_changed_writes_no_audit_event(alice, alpha):
    assert alice.patch(URL, {"segment": "ETI"}).status_code == 200
    assert alice.patch(URL, {}).status_code == 200
    assert not AuditEvent.objects.filter(action="customer_changed").exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"credit_limit": "12.345"}, "credit_limit"),  # never rounded
        ({"credit_limit": "-1.00"}, "credit_limit"),
        ({"credit_limit": "1e6"}, "credit_limit"),
        ({"credit_limit": 15000}, "credit_limit"),  # a JSON number could have been a float
        ({"payment_terms": "whenever"}, "payment_terms"),
        ({"email": "not-an-address"}, "email"),
        ({"rating": "TOO-LONG-A-RATING"}, "rating"),
        ({"credit_limt": "100.00"}, "credit_limt"),  # a misspelt field is not ignored
    ],
)
def test_it_rejects_an_invalid_value_and_changes_nothing(alice, alpha, body, field):
    response = alice.patch(URL, body)
    assert response.status_code == 422
    error = error_of(response)
    assert list(error["fields"]) == [field]
    assert error["code"] in {"invalid_input", "invalid_customer"}
    globex = Customer.objects.get(company=alpha, code="GLOBEX")
    assert (globex.credit_limit, globex.payment_terms, globex.email) == (None, "", "")
    assert not AuditEvent.objects.filter(action="customer_changed").exists()


def test_a_body_that_is_not_json_is_rejected(alice):
    response = alice.client.patch(
        URL, "{credit_limit:", content_type="application/json", headers=alice._headers()
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


@pytest.mark.parametrize("who", ["audrey", "sam"])
def test_a_role_without_the_right_to_edit_is_refused(request, alpha, who):
    persona = request.getfixturevalue(who)
    response = persona.patch("/api/v1/companies/alpha/customers/ACME", {"credit_limit": "1.00"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert Customer.objects.get(company=alpha, code="ACME").credit_limit == 500000
