"""The cash-in forecast over the API: the one the daily run kept, scoped like the page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditpilot.orchestration.daily import do_daily_run
from tests.api.support import error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]
BASE = "/api/v1/companies/alpha"


def test_the_kept_forecast_is_read_and_a_sales_rep_gets_their_customers_only(
    alpha, alice, sam, bob
):
    missing = alice.get(f"{BASE}/forecast", as_of="2026-06-30")
    assert missing.status_code == 422 and error_of(missing)["code"] == "no_forecast"
    do_daily_run(alpha, date(2026, 6, 30))
    everyone = alice.get(f"{BASE}/forecast", as_of="2026-07-02").json()  # the week's last one
    assert everyone["as_of"] == "2026-06-30" and len(everyone["weeks"]) == 13
    assert len(everyone["months"]) == 6
    total = sum(Decimal(w["expected"]) for w in everyone["weeks"]) + Decimal(everyone["later"])
    assert total <= Decimal(everyone["open"])
    own = sam.get(f"{BASE}/forecast", as_of="2026-06-30").json()
    assert Decimal(own["open"]) < Decimal(everyone["open"])
    assert {c["key"] for c in own["by_customer"]} <= {"ACME", "GLOBEX"}
    assert bob.get(f"{BASE}/forecast", as_of="2026-06-30").status_code == 404
