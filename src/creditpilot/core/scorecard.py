"""The transparent scorecard: a customer's payment behaviour turned into a score, a rating, a
probability and the reasons, in words.

The score starts at 100 (safest) and loses points for what a credit manager fears; each
loss is a driver, the biggest ones are said on the customer page:

======================================  =============================================
weighted average days late (12 months)  0.8 point a day, at most 40
worse lately                            half a point per day the last 3 months are
                                        above the 12 months (beyond 5 days), at most 10
receivables over 60 days past due       25 points x their share of what is owed
invoices paid over 30 days late         15 points x their share of the invoices paid
broken promises (12 months)             5 points each, at most 15
open disputes                           3 points each, at most 9
credit limit in use                     10 points above 100 %, 5 above 90 %
young relationship (under 180 days)     5 points
financial statements (Altman Z'')       15 points in the distress zone (under 1.10),
                                        5 in the grey zone (1.10 to 2.60)
collective proceedings                  the score falls to 0
======================================  =============================================

Rating: A from 80, B from 65, C from 50, D from 35, E below. The probability of serious
late payment (an item over 90 days past due) within 12 months is a logistic curve of the
score, ``1 / (1 + exp((score - 45) / 10))``, until the backtest calibrates it.

>>> card = score_card(Behaviour("C1", wadl=Decimal(25), wadl_3m=Decimal(31), over_60_share=Decimal("0.4")))
>>> card.score, card.rating, card.pd
(67, 'B', Decimal('0.0998'))
>>> [d.code for d in card.drivers]
['days_late', 'over_60', 'worse_lately']
>>> card.drivers[0].text("en"), card.drivers[0].text("fr")
('pays on average 25 days late', 'paie en moyenne 25 jours en retard')
>>> weak = score_card(Behaviour("C2", wadl=Decimal(25), wadl_3m=Decimal(31), over_60_share=Decimal("0.4"), altman_z=Decimal("0.734")))
>>> weak.score, weak.drivers[1].text("en")
(52, "financial statements in the distress zone (Altman Z'' 0.73)")
>>> weak.drivers[1].text("fr")
"comptes en zone de défaillance (Altman Z'' 0,73)"
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

RATINGS = (("A", 80), ("B", 65), ("C", 50), ("D", 35))
ALTMAN_SAFE, ALTMAN_DISTRESS = Decimal("2.60"), Decimal("1.10")  # Z'' zones
WORST_RATING = "E"


@dataclass(frozen=True)
class Behaviour:
    """What the ledger says of a customer at a date (only what was known then)."""

    customer: str
    wadl: Decimal = Decimal(0)  # weighted average days late, 12 months, open items included
    wadl_3m: Decimal | None = None  # the same over the last 3 months
    paid_late_share: Decimal = Decimal(0)  # of the invoices paid in 12 months
    paid_over_30_share: Decimal = Decimal(0)
    longest_delay: int = 0  # days
    over_60_share: Decimal = Decimal(0)  # of what it owes
    disputes: int = 0
    broken_promises: int = 0
    limit_usage: Decimal | None = None  # owed / credit limit
    relationship_days: int = 10_000
    sales_12m: int = 0  # cents
    proceedings: bool = False  # safeguard, receivership, liquidation
    altman_z: Decimal | None = None  # Z'' of its latest financial statements known then


@dataclass(frozen=True)
class Driver:
    code: str
    points: Decimal  # lost
    values: dict[str, str] = field(default_factory=dict)

    def text(self, language: str = "en") -> str:
        words = DRIVER_WORDS[self.code]
        values = dict(self.values)
        if language == "fr":  # a decimal comma in French: "Altman Z'' 0,66"
            values = {k: _DECIMAL.sub(r"\1,\2", str(v)) for k, v in values.items()}
        text = (words[0] if language == "fr" else words[1]).format(**values)
        # "1 litige en cours", "2 litiges en cours"
        return text.replace("(s)", "" if str(self.values.get("count")) == "1" else "s")


_DECIMAL = re.compile(r"^(-?\d+)\.(\d+)$")

DRIVER_WORDS = {
    "days_late": ("paie en moyenne {days} jours en retard", "pays on average {days} days late"),
    "worse_lately": (
        "de plus en plus en retard : {recent} jours sur 3 mois contre {year} sur 12",
        "later and later: {recent} days over 3 months against {year} over 12",
    ),
    "over_60": (
        "{share} % de son encours a plus de 60 jours de retard",
        "{share} % of what it owes is over 60 days late",
    ),
    "paid_over_30": (
        "{share} % de ses factures payées avec plus de 30 jours de retard",
        "{share} % of its invoices paid over 30 days late",
    ),
    "broken_promises": (
        "{count} promesse(s) de paiement non tenue(s)",
        "{count} broken promise(s) to pay",
    ),
    "disputes": ("{count} litige(s) en cours", "{count} open dispute(s)"),
    "limit": ("encours à {usage} % du plafond", "{usage} % of its credit limit in use"),
    "young": ("client depuis moins de 6 mois", "a customer for less than 6 months"),
    "altman_distress": (
        "comptes en zone de défaillance (Altman Z'' {z})",
        "financial statements in the distress zone (Altman Z'' {z})",
    ),
    "altman_grey": (
        "comptes en zone grise (Altman Z'' {z})",
        "financial statements in the grey zone (Altman Z'' {z})",
    ),
    "proceedings": (
        "procédure collective en cours",
        "under collective proceedings",
    ),
}


@dataclass(frozen=True)
class Card:
    customer: str
    score: int
    rating: str
    pd: Decimal
    drivers: list[Driver]

    def reasons(self, language: str = "en", most: int = 5) -> list[str]:
        return [d.text(language) for d in self.drivers[:most]]


def _cap(value: Decimal, most: Decimal) -> Decimal:
    return min(max(value, Decimal(0)), most)


def _percent(share: Decimal) -> str:
    return str((share * 100).quantize(Decimal(1), ROUND_HALF_UP))


def _drivers(b: Behaviour) -> list[Driver]:
    found = [
        Driver("days_late", _cap(b.wadl * Decimal("0.8"), Decimal(40)), {"days": _day(b.wadl)}),
        Driver("over_60", b.over_60_share * 25, {"share": _percent(b.over_60_share)}),
        Driver(
            "paid_over_30", b.paid_over_30_share * 15, {"share": _percent(b.paid_over_30_share)}
        ),
        Driver("broken_promises", _cap(Decimal(5 * b.broken_promises), Decimal(15)),
               {"count": str(b.broken_promises)}),
        Driver("disputes", _cap(Decimal(3 * b.disputes), Decimal(9)), {"count": str(b.disputes)}),
    ]  # fmt: skip
    if b.wadl_3m is not None and b.wadl_3m - b.wadl > 5:
        found.append(
            Driver(
                "worse_lately",
                _cap((b.wadl_3m - b.wadl) / 2, Decimal(10)),
                {"recent": _day(b.wadl_3m), "year": _day(b.wadl)},
            )
        )
    if b.limit_usage is not None and b.limit_usage > Decimal("0.9"):
        points = Decimal(10) if b.limit_usage > 1 else Decimal(5)
        found.append(Driver("limit", points, {"usage": _percent(b.limit_usage)}))
    if b.relationship_days < 180:
        found.append(Driver("young", Decimal(5)))
    if b.altman_z is not None and b.altman_z <= ALTMAN_SAFE:
        z = str(b.altman_z.quantize(Decimal("0.01"), ROUND_HALF_UP))
        if b.altman_z < ALTMAN_DISTRESS:
            found.append(Driver("altman_distress", Decimal(15), {"z": z}))
        else:
            found.append(Driver("altman_grey", Decimal(5), {"z": z}))
    if b.proceedings:
        found.append(Driver("proceedings", Decimal(100)))
    found = [d for d in found if d.points > 0]
    found.sort(key=lambda d: (-d.points, d.code))
    return found


def _day(days: Decimal) -> str:
    return str(days.quantize(Decimal(1), ROUND_HALF_UP))


def rating_of(score: int) -> str:
    for rating, floor in RATINGS:
        if score >= floor:
            return rating
    return WORST_RATING


def probability(score: int) -> Decimal:
    """The probability of serious late payment within 12 months for a score (4 places)."""
    value = 1 / (1 + math.exp((score - 45) / 10))
    return Decimal(str(value)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def score_card(b: Behaviour) -> Card:
    drivers = _drivers(b)
    lost = sum((d.points for d in drivers), Decimal(0))
    score = int(_cap(Decimal(100) - lost, Decimal(100)).quantize(Decimal(1), ROUND_HALF_UP))
    return Card(b.customer, score, rating_of(score), probability(score), drivers)
