"""The daily run: every step of a company's day, in order (``creditpilot run``, the scheduler).

``DAILY_STEPS`` lists the steps; each takes the day's ``DailyRunResult`` and
fills in what it did. The ledger's derived state is not rebuilt: every import
and every change of terms already recomputed the customers it changed
(``creditpilot rebuild`` forces a full rebuild). Today: the positions and KPI
trend the pages read are prepared, and the position is measured. Dunning, scoring and alerts join as one line each.
Every step may run again for the same day with the same outcome, so a run cut
off by a crash is simply run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django_tasks import TaskContext

from creditpilot.companies.models import Company
from creditpilot.core.money import format_cents
from creditpilot.orchestration.models import DailyRun
from creditpilot.orchestration.queue import JobGoneError, job
from creditpilot.receivables.rebuild import unapplied_credit_count
from creditpilot.reports.aging import aged_totals
from creditpilot.reports.positions import kpi_trend, positions


@dataclass
class DailyRunResult:
    company: Company
    as_of: date
    total: int = 0
    overdue: int = 0
    unapplied_credits: int = 0
    steps: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.company.code} {self.as_of.isoformat()}: receivables "
            f"{format_cents(self.total)}, overdue {format_cents(self.overdue)}, "
            f"unapplied credits {self.unapplied_credits}"
        )


Step = Callable[[DailyRunResult], None]


def count_unapplied(day: DailyRunResult) -> None:
    day.unapplied_credits = unapplied_credit_count(day.company)


def prepare_pages(day: DailyRunResult) -> None:
    """The pages of the day open at once: their cached positions and KPI trend are ready."""
    kpi_trend(day.company, day.as_of)
    positions(day.company, day.as_of)


def measure_position(day: DailyRunResult) -> None:
    totals = aged_totals(day.company, day.as_of)
    day.total, day.overdue = totals.total, totals.overdue


DAILY_STEPS: list[Step] = [
    count_unapplied,
    prepare_pages,
    measure_position,
]


def do_daily_run(company: Company, as_of: date) -> DailyRunResult:
    day = DailyRunResult(company, as_of)
    for step in DAILY_STEPS:
        step(day)
        day.steps.append(step.__name__)
    return day


# --- the daily run as a job ----------------------------------------------------------------


def _run_retried(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    DailyRun.objects.filter(pk=args[0]).update(
        status=DailyRun.Status.QUEUED, message=f"attempt failed ({reason[:300]}); tried again"
    )


def _run_given_up(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    DailyRun.objects.filter(pk=args[0]).update(
        status=DailyRun.Status.FAILED, message=f"failed: {reason[:900]}", finished_at=timezone.now()
    )


@job(on_retry=_run_retried, on_give_up=_run_given_up)
def daily_run(context: TaskContext, run_id: int, company: str, day: str) -> str:
    """The job the scheduler queues (company code and day: for the messages)."""
    run = DailyRun.objects.select_related("company").filter(pk=run_id).first()
    if run is None:
        raise JobGoneError(
            f"daily run of {day} for company {company!r}: the company was removed after "
            "the run was scheduled; nothing was run"
        )
    DailyRun.objects.filter(pk=run.pk).update(
        status=DailyRun.Status.RUNNING, started_at=timezone.now(), message=""
    )
    result = do_daily_run(run.company, run.day)
    DailyRun.objects.filter(pk=run.pk).update(
        status=DailyRun.Status.DONE, summary=result.summary(), finished_at=timezone.now()
    )
    return result.summary()


def do_daily_run_now(company: Company, as_of: date) -> DailyRunResult:
    """The daily run asked for by hand (``creditpilot run``): run here and now, and noted,
    so the scheduler does not run the same company and day again."""
    run, _created = DailyRun.objects.get_or_create(
        company=company, day=as_of, defaults={"scheduled_by": "command line"}
    )
    DailyRun.objects.filter(pk=run.pk).update(
        status=DailyRun.Status.RUNNING, started_at=timezone.now(), message=""
    )
    try:
        result = do_daily_run(company, as_of)
    except Exception as err:
        _run_given_up([run.pk], {}, f"{type(err).__name__}: {err}")
        raise
    DailyRun.objects.filter(pk=run.pk).update(
        status=DailyRun.Status.DONE, summary=result.summary(), finished_at=timezone.now()
    )
    return result
