"""GET /api/v1/companies: the companies granted to the caller, with the role in each."""

from __future__ import annotations

import pytest

from creditpilot.accounts.rights import Role
from creditpilot.accounts.services import do_add_user

pytestmark = [pytest.mark.store, pytest.mark.django_db]


def test_it_lists_only_the_companies_granted_with_the_role(alice, bob):
    response = alice.get("/api/v1/companies")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "code": "alpha",
                "name": "Alpha Industries",
                "currency": "EUR",
                "role": "credit_manager",
                "sales_rep": "",
            }
        ]
    }


def test_it_gives_the_sales_rep_of_a_sales_user(sam):
    assert sam.get("/api/v1/companies").json()["items"][0] == {
        "code": "alpha",
        "name": "Alpha Industries",
        "currency": "EUR",
        "role": "sales",
        "sales_rep": "Sam",
    }


def test_a_user_granted_two_companies_sees_both_by_code(alice, beta):
    do_add_user("alice", companies=[beta], role=Role.AUDITOR)
    items = alice.get("/api/v1/companies").json()["items"]
    assert [(c["code"], c["role"]) for c in items] == [
        ("alpha", "credit_manager"),
        ("beta", "auditor"),
    ]
