"""The ECB main refinancing rates: the table shipped with the package plus the decisions added.

The shipped table (``data/ecb_key_rates.csv``) holds every decision to June
2025; ``creditpilot rates add DATE RATE`` stores a later one (or corrects a
shipped row: an added decision wins over the shipped one of the same date).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from django.db import transaction

from creditpilot.audit.services import Actor, record
from creditpilot.collections.models import EcbRate
from creditpilot.core.interest import RateDecision, RateTable, format_rate, parse_rate

SHIPPED_FILE = "ecb_key_rates.csv"


def parse_ecb_csv(text: str) -> list[RateDecision]:
    """Decisions of the main refinancing rate: the fixed rate, else the minimum bid rate.

    A row that changes neither (only the corridor moved) is no decision of this rate.

    >>> parse_ecb_csv("effective_date,deposit_facility,mro_fixed_rate,mro_minimum_bid_rate\\n"
    ...               "2000-06-09,3.25,4.25,\\n2000-06-28,3.25,,4.25\\n2008-10-08,2.75,,\\n")
    [RateDecision(effective=datetime.date(2000, 6, 9), rate=Decimal('4.25')), RateDecision(effective=datetime.date(2000, 6, 28), rate=Decimal('4.25'))]
    """
    decisions = []
    for row in csv.DictReader(io.StringIO(text)):
        value = (row.get("mro_fixed_rate") or "").strip() or (
            row.get("mro_minimum_bid_rate") or ""
        ).strip()
        if value:
            decisions.append(
                RateDecision(date.fromisoformat(row["effective_date"]), parse_rate(value))
            )
    return decisions


@lru_cache(maxsize=1)
def shipped_decisions() -> tuple[RateDecision, ...]:
    text = resources.files("creditpilot.collections").joinpath("data", SHIPPED_FILE).read_text()
    return tuple(parse_ecb_csv(text))


def rate_table() -> RateTable:
    """The shipped decisions, then the added ones (which win on the same date)."""
    added = [RateDecision(r.effective_date, r.rate) for r in EcbRate.objects.all()]
    return RateTable([*shipped_decisions(), *added])


@dataclass(frozen=True)
class RateRow:
    effective: date
    rate: Decimal
    source: str  # "shipped" or "added"


def rate_rows() -> list[RateRow]:
    """Every decision in force in the table, oldest first, saying where it comes from."""
    added = {r.effective_date: r.rate for r in EcbRate.objects.all()}
    rows = {d.effective: RateRow(d.effective, d.rate, "shipped") for d in shipped_decisions()}
    rows.update({day: RateRow(day, rate, "added") for day, rate in added.items()})
    return [rows[day] for day in sorted(rows)]


def do_add_rate(effective: date, rate: str | Decimal, *, username: str = "cli") -> str:
    """Store a decision; say whether it was added, replaced an earlier value, or changed nothing."""
    value = parse_rate(rate)
    with transaction.atomic():
        old = EcbRate.objects.filter(effective_date=effective).first()
        shipped = {d.effective: d.rate for d in shipped_decisions()}.get(effective)
        before = old.rate if old is not None else shipped
        if before is not None and before == value:
            return "unchanged"
        EcbRate.objects.update_or_create(
            effective_date=effective, defaults={"rate": value, "created_by": username}
        )
        record(
            "ecb_rate_added",
            actor=Actor(username=username),
            object_type="ecb_rate",
            object_ref=effective.isoformat(),
            before={"rate": format_rate(before)} if before is not None else {},
            after={"rate": format_rate(value)},
        )
    return "replaced" if before is not None else "added"
