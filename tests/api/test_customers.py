"""GET /api/v1/companies/{company}/customers and .../customers/{code}."""

from __future__ import annotations

import pytest

from tests.api.support import error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]

URL = "/api/v1/companies/alpha/customers"


def codes(response):
    return [c["code"] for c in response.json()["items"]]


def test_it_lists_the_customers_by_code_with_their_settings(alice):
    response = alice.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert codes(response) == ["ACME", "GLOBEX", "INITECH", "UMBRELLA"]
    assert body["items"][0] == {
        "code": "ACME",
        "name": "Acme SARL",
        "siren": "443061841",
        "vat": "",
        "country": "FR",
        "segment": "PME",
        "payment_terms": "",
        "sales_rep": "Sam",
        "currency": "EUR",
        "credit_limit": "5000.00",
        "rating": "",
    }
    assert body["items"][1]["credit_limit"] is None


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "glob"}, ["GLOBEX"]),  # name or code, any case
        ({"q": "4430"}, ["ACME"]),  # SIREN
        ({"segment": "PME"}, ["ACME", "UMBRELLA"]),
        ({"sales_rep": "Nadia"}, ["INITECH"]),
        ({"segment": "PME", "q": "umb"}, ["UMBRELLA"]),
        ({"q": "nobody"}, []),
    ],
)
def test_it_filters_the_customers(alice, params, expected):
    assert codes(alice.get(URL, **params)) == expected


def test_it_pages_with_limit_and_offset_and_counts_all_pages(alice):
    response = alice.get(URL, limit=2, offset=1)
    assert response.json()["count"] == 4
    assert codes(response) == ["GLOBEX", "INITECH"]


@pytest.mark.parametrize(
    "params, field",
    [({"limit": 501}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset")],
)
def test_it_rejects_a_page_out_of_bounds(alice, params, field):
    response = alice.get(URL, **params)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_input"
    assert list(error["fields"]) == [field]
    assert error["message"].startswith(f"{field}: ")


def test_a_sales_user_sees_only_the_customers_of_their_sales_rep(sam):
    assert codes(sam.get(URL)) == ["ACME", "GLOBEX"]
    assert sam.get(URL).json()["count"] == 2
    assert codes(sam.get(URL, sales_rep="Nadia")) == []


def test_it_shows_one_customer_with_the_email(alice):
    response = alice.get(f"{URL}/ACME")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["email"], body["credit_limit"]) == (
        "ACME",
        "compta@acme.example",
        "5000.00",
    )


def test_a_customer_that_does_not_exist_is_a_404(alice):
    response = alice.get(f"{URL}/NOBODY")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_sales_user_gets_a_404_for_another_reps_customer_as_for_a_missing_one(sam):
    other = sam.get(f"{URL}/INITECH")
    missing = sam.get(f"{URL}/NOBODY")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert sam.get(f"{URL}/GLOBEX").status_code == 200


def test_the_same_code_in_another_company_is_another_customer(bob):
    response = bob.get("/api/v1/companies/beta/customers/ACME")
    assert response.status_code == 200
    assert response.json()["name"] == "Beta's Acme"
