"""The terms of sale's payment clauses on the settings page, and the check of the letters' text."""

from __future__ import annotations

import html

import pytest

from creditpilot.companies.models import Company

pytestmark = [pytest.mark.store]


def test_the_settings_page_gives_the_clauses_and_checks_the_letters_text(world):
    Company.objects.filter(pk=world.a.pk).update(
        legal_mentions="Paiement à 30 jours. Pénalités de retard au taux légal."
    )
    page = html.unescape(world.client("alice").get(f"/c/{world.a.code}/settings/").content.decode())
    assert "Conditions générales de vente : les clauses de paiement" in page
    assert "Aucun escompte n'est accordé pour paiement anticipé." in page
    assert "No discount is granted for early payment." in page
    assert (
        "Les conditions imprimées sur vos courriers ne mentionnent pas : l'indemnité "
        "forfaitaire de 40 euros pour frais de recouvrement, les conditions d'escompte, ou "
        "l'absence d'escompte." in page
    )
