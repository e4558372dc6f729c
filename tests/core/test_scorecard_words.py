"""The score's drivers read as a person writes them, in French and in English."""

from __future__ import annotations

from decimal import Decimal

from creditpilot.core.scorecard import Driver


def test_counts_take_the_plural_only_above_one():
    one, two = (
        Driver("disputes", Decimal(5), {"count": "1"}),
        Driver("disputes", Decimal(5), {"count": "2"}),
    )
    assert one.text("fr") == "1 litige en cours" and two.text("fr") == "2 litiges en cours"
    assert one.text("en") == "1 open dispute" and two.text("en") == "2 open disputes"
    broken = Driver("broken_promises", Decimal(5), {"count": "3"})
    assert broken.text("fr") == "3 promesses de paiement non tenues"


def test_decimals_take_a_comma_in_french_only():
    grey = Driver("altman_grey", Decimal(5), {"z": "1.85"})
    assert grey.text("fr") == "comptes en zone grise (Altman Z'' 1,85)"
    assert grey.text("en") == "financial statements in the grey zone (Altman Z'' 1.85)"
