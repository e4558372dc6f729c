"""Altman Z'' and Conan–Holder on hand-computed statements; missing figures, zero denominators."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from creditpilot.core.financials import (
    FinancialStatement,
    altman_z2,
    conan_holder,
    ratios_of,
)

# an SME in good health (amounts in cents)
HEALTHY = FinancialStatement(
    total_assets=1_000_000_00,
    current_assets=600_000_00,
    inventories=200_000_00,
    cash=50_000_00,
    equity=300_000_00,
    retained_earnings=150_000_00,
    total_liabilities=700_000_00,
    short_term_liabilities=400_000_00,
    sales=2_000_000_00,
    ebit=80_000_00,
    ebitda=120_000_00,
    financial_charges=20_000_00,
    staff_costs=500_000_00,
    value_added=800_000_00,
    net_income=40_000_00,
)


def test_altman_z2_by_hand():
    # X1 = (600 - 400) / 1000 = 0.2; X2 = 0.15; X3 = 0.08; X4 = 300 / 700
    # Z'' = 1.312 + 0.489 + 0.5376 + 0.45 = 2.7886: safe (> 2.60)
    z = altman_z2(HEALTHY)
    assert z.value == Decimal("6.56") * Decimal("0.2") + Decimal("3.26") * Decimal("0.15") + (
        Decimal("6.72") * Decimal("0.08")
    ) + Decimal("1.05") * Decimal(300) / Decimal(700)
    assert (z.shown, z.zone) == ("2.7886", "safe")


def test_altman_z2_in_distress():
    # working capital negative, losses: X1 = -0.2, X2 = -0.1, X3 = -0.05, X4 = 100 / 900
    weak = replace(
        HEALTHY,
        current_assets=300_000_00,
        short_term_liabilities=500_000_00,
        retained_earnings=-100_000_00,
        ebit=-50_000_00,
        equity=100_000_00,
        total_liabilities=900_000_00,
    )
    z = altman_z2(weak)
    # -1.312 - 0.326 - 0.336 + 0.116667 = -1.857333
    assert (z.shown, z.zone) == ("-1.8573", "distress")


def test_conan_holder_by_hand():
    # R1 = 120 / 700; R2 = (300 + 300) / 1000; R3 = (600 - 200) / 1000; R4 = 20 / 2000;
    # R5 = 500 / 800: Z = 4.1142857 + 13.2 + 6.4 - 0.87 - 6.25 = 16.5942857: healthy (> 9)
    c = conan_holder(HEALTHY)
    assert (c.shown, c.zone) == ("16.5943", "healthy")
    assert c.ratios["r2"] == Decimal("0.6") and c.ratios["r5"] == Decimal("0.625")


def test_a_missing_figure_is_named_and_the_rest_still_read():
    partial = replace(HEALTHY, retained_earnings=None, value_added=None)
    z, c = altman_z2(partial), conan_holder(partial)
    assert (z.value, z.missing) == (None, ["retained_earnings"])
    assert (c.value, c.missing) == (None, ["value_added"])
    assert ratios_of(partial)["current_ratio"] == Decimal("1.5")


def test_zero_denominators_and_negative_assets_say_why():
    no_sales = conan_holder(replace(HEALTHY, sales=0))
    assert no_sales.value is None and no_sales.problems == ["sales is zero: R4 cannot be computed"]
    negative = altman_z2(replace(HEALTHY, total_assets=-5))
    assert negative.value is None
    assert negative.problems == ["negative total assets: the statement is not usable"]
    assert "interest_cover" not in ratios_of(replace(HEALTHY, financial_charges=0))
