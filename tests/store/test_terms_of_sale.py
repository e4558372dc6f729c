"""The payment clauses of the terms of sale, written from the company's settings, and the
check of the company's own text against the mentions French law asks for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creditpilot.collections.models import CollectionSettings
from creditpilot.collections.terms_of_sale import missing_mentions, payment_clauses
from creditpilot.companies.models import Company
from creditpilot.companies.services import do_init

pytestmark = [pytest.mark.store, pytest.mark.django_db]


def test_the_default_clauses_in_french_and_english_state_every_mention():
    company = do_init()
    fr, en = payment_clauses(company, "fr"), payment_clauses(company, "en")
    for words in (
        "payables à 30 jours net",
        "Aucun escompte n'est accordé",
        "majoré de 10 points de pourcentage",
        "indemnité forfaitaire pour frais de recouvrement de 40 euros",
        "D441-5",
    ):
        assert words in fr.text, words
    assert "payable 30 days net" in en.text and "No discount is granted" in en.text
    assert missing_mentions(fr.text) == [] and missing_mentions(en.text) == []
    assert not fr.beyond_legal_cap


def test_a_discount_a_contractual_rate_and_terms_beyond_the_cap():
    company = do_init()
    Company.objects.filter(pk=company.pk).update(default_terms="EOM45/2%10")
    company.refresh_from_db()
    CollectionSettings.objects.create(company=company, contractual_rate=Decimal("12.5"))
    fr = payment_clauses(company, "fr")
    assert "payables à 45 jours fin de mois" in fr.text
    assert "escompte de 2 % est accordé pour tout paiement reçu dans les 10 jours" in fr.text
    assert "au taux annuel de 12,5 %" in fr.text and "Banque centrale" not in fr.text
    assert "at the annual rate of 12.5 %" in payment_clauses(company, "en").text
    Company.objects.filter(pk=company.pk).update(default_terms="NET75")
    company.refresh_from_db()
    assert payment_clauses(company).beyond_legal_cap


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("Paiement à 30 jours. Pénalités au taux BCE + 10 points.", ["indemnity", "discount"]),
        (
            "Payable within 45 days end of month. Late payment interest at 3 times the legal "
            "rate; fixed recovery indemnity of 40 EUR; no discount for early payment.",
            [],
        ),
        ("Merci de votre confiance.", ["terms", "rate", "indemnity", "discount"]),
    ],
)
def test_the_check_of_a_companys_own_text(text, missing):
    assert missing_mentions(text) == missing
