"""Payment terms in words, as a credit manager says them (French or English).

>>> describe_terms("EOM45", "fr"), describe_terms("NET30", "fr"), describe_terms("RECEIPT", "fr")
('45 jours fin de mois', '30 jours net', 'comptant')
>>> describe_terms("45EOM", "fr"), describe_terms("NET30/1.5%10", "fr")
('fin de mois + 45 jours', '30 jours net, escompte 1,5 % à 10 jours')
>>> describe_terms("EOM45", "en"), describe_terms("NET30/2%10", "en"), describe_terms("PREPAID", "en")
('45 days end of month', '30 days net, 2% discount within 10 days', 'prepayment')
>>> describe_terms("whatever", "fr")
'whatever'
"""

from __future__ import annotations

from creditpilot.core.errors import InvalidInputError
from creditpilot.core.terms import Terms, TermsKind, parse_terms

_WORDS = {
    "fr": {
        TermsKind.RECEIPT: "comptant",
        TermsKind.PREPAID: "paiement d'avance",
        TermsKind.NET: "{d} jours net",
        TermsKind.EOM_AFTER: "{d} jours fin de mois",
        TermsKind.AFTER_EOM: "fin de mois + {d} jours",
        "eom": "fin de mois",
        "discount": "{base}, escompte {pct} % à {days} jours",
    },
    "en": {
        TermsKind.RECEIPT: "on receipt",
        TermsKind.PREPAID: "prepayment",
        TermsKind.NET: "{d} days net",
        TermsKind.EOM_AFTER: "{d} days end of month",
        TermsKind.AFTER_EOM: "end of month + {d} days",
        "eom": "end of month",
        "discount": "{base}, {pct}% discount within {days} days",
    },
}


def describe_terms(terms: Terms | str, language: str) -> str:
    """``terms`` (or a terms code) in words; a code that is not terms is given back as it is."""
    if isinstance(terms, str):
        code = terms
        try:
            terms = parse_terms(code)
        except InvalidInputError:
            return code
    words = _WORDS["fr" if language.lower().startswith("fr") else "en"]
    if terms.kind in (TermsKind.EOM_AFTER, TermsKind.AFTER_EOM) and not terms.days:
        base = words["eom"]
    else:
        base = words[terms.kind].format(d=terms.days)
    if terms.discount_percent is None:
        return base
    pct = str(terms.discount_percent.normalize())
    if words is _WORDS["fr"]:
        pct = pct.replace(".", ",")
    return words["discount"].format(base=base, pct=pct, days=terms.discount_days)
