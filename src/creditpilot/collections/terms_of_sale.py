"""The payment clauses of a company's general terms of sale, and a check of its own text.

French law asks the general terms of sale (L441-1) to state the payment terms (within the
caps of L441-10: 60 days from the invoice, or 45 days end of month), the late-payment
rate, the fixed 40 EUR recovery indemnity (D441-5), and the early-payment discount or
that none is granted (L441-9 for the invoices). ``payment_clauses`` writes them from the
company's settings, in French or English; ``missing_mentions`` reads a text the company
wrote (its legal mentions) and says which of them it lacks.

>>> missing_mentions("Paiement à 30 jours. Pénalités au taux BCE + 10 points.")
['indemnity', 'discount']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from creditpilot.collections.models import CollectionSettings
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.terms import parse_terms
from creditpilot.core.terms_text import describe_terms

MENTIONS = ("terms", "rate", "indemnity", "discount")
MENTION_WORDS = {
    "terms": ("le délai de paiement", "the payment terms"),
    "rate": ("le taux des pénalités de retard", "the late-payment interest rate"),
    "indemnity": (
        "l'indemnité forfaitaire de 40 euros pour frais de recouvrement",
        "the fixed 40 euro recovery indemnity",
    ),
    "discount": (
        "les conditions d'escompte, ou l'absence d'escompte",
        "the early-payment discount, or that none is granted",
    ),
}


@dataclass(frozen=True)
class Clauses:
    language: str
    text: str
    beyond_legal_cap: bool  # the company's default terms exceed L441-10's caps


def _number(value: Decimal, language: str) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if language == "fr" else text


def payment_clauses(company: Company, language: str = "fr") -> Clauses:
    """The payment clauses of the company's terms of sale, from its default terms and its
    late-payment rate."""
    fr = language != "en"
    try:
        terms = parse_terms(company.default_terms)
    except InvalidInputError:
        terms = parse_terms("NET30")
    base = describe_terms(terms.code.split("/")[0], "fr" if fr else "en")
    settings = CollectionSettings.objects.filter(company=company).first()
    rate = settings.contractual_rate if settings else None
    if fr:
        parts = [
            f"Nos factures sont payables à {base} à compter de leur date d'émission "
            "(article L441-10 du Code de commerce)."
        ]
        if terms.discount_percent is not None:
            parts.append(
                f"Un escompte de {_number(terms.discount_percent, 'fr')} % est accordé pour "
                f"tout paiement reçu dans les {terms.discount_days} jours suivant la date de la "
                "facture."
            )
        else:
            parts.append("Aucun escompte n'est accordé pour paiement anticipé.")
        rate_text = (
            f"au taux annuel de {_number(rate, 'fr')} %"
            if rate is not None
            else "au taux d'intérêt appliqué par la Banque centrale européenne à son opération "
            "de refinancement la plus récente, majoré de 10 points de pourcentage"
        )
        parts.append(
            "Tout retard de paiement entraîne de plein droit, dès le lendemain de la date "
            f"d'échéance et sans qu'un rappel soit nécessaire, des pénalités de retard {rate_text}, "
            "ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 euros par "
            "facture (articles L441-10 et D441-5 du Code de commerce), sans préjudice d'une "
            "indemnisation complémentaire sur justificatifs."
        )
    else:
        parts = [
            f"Our invoices are payable {base} from their date of issue (article L441-10 of the "
            "French Commercial Code)."
        ]
        if terms.discount_percent is not None:
            parts.append(
                f"A discount of {_number(terms.discount_percent, 'en')} % is granted for any "
                f"payment received within {terms.discount_days} days of the invoice date."
            )
        else:
            parts.append("No discount is granted for early payment.")
        rate_text = (
            f"at the annual rate of {_number(rate, 'en')} %"
            if rate is not None
            else "at the rate of the European Central Bank's most recent refinancing "
            "operation plus 10 percentage points"
        )
        parts.append(
            "Any late payment automatically bears, from the day after the due date and without "
            f"a reminder being needed, late-payment interest {rate_text}, and a fixed recovery "
            "indemnity of 40 euros per invoice (articles L441-10 and D441-5 of the French "
            "Commercial Code), without prejudice to further compensation on evidence."
        )
    return Clauses("fr" if fr else "en", " ".join(parts), terms.exceeds_legal_cap)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# what, in French or English, says each mention (accents and case aside)
_PATTERNS = {
    "terms": re.compile(
        r"(\d+\s*(jours?|days?)|comptant|a reception|on receipt|fin de mois|end of month)"
    ),
    "rate": re.compile(
        r"(taux|rate|bce|ecb|banque centrale|central bank|interet legal|\d+(,\d+|\.\d+)?\s*%)"
    ),
    "indemnity": re.compile(r"(40\s*(euros?|eur|€)|indemnite forfaitaire|fixed .*indemnity)"),
    "discount": re.compile(r"(escompte|discount)"),
}


def missing_mentions(text: str) -> list[str]:
    """The mentions of the terms of sale that ``text`` lacks, among ``MENTIONS``."""
    plain = _plain(text)
    found = []
    for mention in MENTIONS:
        if mention == "rate":
            late = re.search(r"(retard|penalit|late|interest)", plain)
            if not (late and _PATTERNS["rate"].search(plain)):
                found.append(mention)
        elif not _PATTERNS[mention].search(plain):
            found.append(mention)
    return found
