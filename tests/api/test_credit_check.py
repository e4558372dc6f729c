"""GET /api/v1/companies/{company}/credit-check?customer=&amount=: accept, hold or refuse."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from creditpilot.customers.models import Customer
from creditpilot.risk.models import ExternalEvent
from tests.api.support import error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]
URL = "/api/v1/companies/alpha/credit-check"


def test_accept_hold_and_refuse_with_the_reasons(alice, bob, alpha):
    with time_machine.travel(date(2026, 4, 1), tick=False):
        ok = alice.get(URL, customer="ACME", amount="1000.00").json()
        assert ok["decision"] == "accept" and ok["reasons"] == []
        assert (
            ok["limit"] == "5000.00"
            and ok["exposure_after"] == ok["exposure"][:0] + ok["exposure_after"]
        )
        over = alice.get(URL, customer="ACME", amount="999999.00").json()
        assert over["decision"] == "hold"
        assert over["reasons"][0].startswith("the order takes the exposure to")
    acme = Customer.objects.get(company=alpha, code="ACME")
    ExternalEvent.objects.create(
        company=alpha, customer=acme, day=date(2026, 3, 1), kind="liquidation"
    )
    with time_machine.travel(date(2026, 4, 1), tick=False):
        refused = alice.get(URL, customer="ACME", amount="10.00").json()
    assert refused["decision"] == "refuse"
    assert refused["reasons"][0] == "collective proceedings published: no sale on credit"
    assert bob.get(URL, customer="ACME", amount="10.00").status_code == 404
    bad = alice.get(URL, customer="ACME", amount="12,5")
    assert bad.status_code == 422 and error_of(bad)["code"]
