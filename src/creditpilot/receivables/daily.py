"""The daily cycle (``creditpilot run``): every step of the day, in order, per company.

Today: the positions and KPI trend the pages read are computed for the day,
and the position is reported. The ledger's derived state is not rebuilt: every
import and every change of terms already rebuilt the customers it changed
(``creditpilot rebuild`` forces a full rebuild). Dunning, scoring and alerts join this cycle as they are built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditpilot.companies.models import Company
from creditpilot.core.money import format_cents
from creditpilot.receivables.rebuild import unapplied_credit_count
from creditpilot.reports.aging import aged_totals


@dataclass
class DailyRunResult:
    company: str
    as_of: date
    total: int
    overdue: int
    unapplied_credits: int

    def summary(self) -> str:
        return (
            f"{self.company} {self.as_of.isoformat()}: receivables {format_cents(self.total)}, "
            f"overdue {format_cents(self.overdue)}, unapplied credits {self.unapplied_credits}"
        )


def do_daily_run(company: Company, as_of: date) -> DailyRunResult:
    totals = aged_totals(company, as_of)
    # the pages of the day open at once: their cached positions and trend are ready
    from creditpilot.reports.positions import kpi_trend, positions

    kpi_trend(company, as_of)
    positions(company, as_of)
    return DailyRunResult(
        company.code, as_of, totals.total, totals.overdue, unapplied_credit_count(company)
    )
