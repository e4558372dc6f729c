"""The daily run: every step of a company's day, in order (``creditpilot run``, the scheduler).

``DAILY_STEPS`` lists the steps; each takes the day's ``DailyRunResult`` and
fills in what it did. The ledger's derived state is not rebuilt: every import
and every change of terms already recomputed the customers it changed
(``creditpilot rebuild`` forces a full rebuild). The disputes flagged by the
invoices import are opened or closed, the promises due are found kept or
broken, the day's dunning is decided and stored (messages, letters, tasks),
the emails due are sent, the pages' positions and KPI trend are prepared, and
the position is measured. Scoring, the cash-in forecast and alerts join as one line each; at a month end,
the month's doubtful-debt provisions are proposed for approval (or by the first run after
it, when none ran that day), and the first run after a month end takes its KPI snapshot (``steering.history``).
Every step may run again for the same day with the same outcome, so a run cut
off by a crash is simply run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django_tasks import TaskContext

from creditpilot.collections.actions import CarriedOut, do_carry_out
from creditpilot.collections.plans import settle_plans
from creditpilot.collections.sending import (
    SendReport,
    do_send_pending,
    do_send_sms,
    statement_attachments,
)
from creditpilot.collections.services import do_resolve_promises, do_sync_imported_disputes
from creditpilot.companies.models import Company
from creditpilot.core.money import format_cents
from creditpilot.forecast.services import do_store_forecast
from creditpilot.orchestration.models import DailyRun
from creditpilot.orchestration.queue import JobGoneError, job
from creditpilot.receivables.rebuild import unapplied_credit_count
from creditpilot.reports.aging import aged_totals
from creditpilot.reports.positions import kpi_trend, positions
from creditpilot.risk.alerts import do_alerts, do_send_digests
from creditpilot.risk.behaviour import do_score_company
from creditpilot.risk.models import ProvisionRun
from creditpilot.risk.provisions import do_propose_provisions, is_month_end
from creditpilot.steering.history import Taken, do_take_month_end_snapshots


@dataclass
class DailyRunResult:
    company: Company
    as_of: date
    total: int = 0
    overdue: int = 0
    unapplied_credits: int = 0
    promises: dict[str, int] = field(default_factory=dict)
    dunning: CarriedOut = field(default_factory=CarriedOut)
    sending: SendReport = field(default_factory=SendReport)
    scored: int = 0
    alerts: int = 0
    provisions: int | None = None  # cents, proposed at a month end
    forecast: str = ""  # how the day's forecast was made: "model" or "fallback"
    kpi_snapshots: Taken = field(default_factory=lambda: Taken([], []))
    steps: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.company.code} {self.as_of.isoformat()}: receivables "
            f"{format_cents(self.total)}, overdue {format_cents(self.overdue)}, "
            f"unapplied credits {self.unapplied_credits}; {self.dunning.summary()}; "
            f"{self.sending.summary()}"
            + (f"; {self.kpi_snapshots.summary()}" if self.kpi_snapshots.taken else "")
        )


Step = Callable[[DailyRunResult], None]


def count_unapplied(day: DailyRunResult) -> None:
    day.unapplied_credits = unapplied_credit_count(day.company)


def sync_disputes(day: DailyRunResult) -> None:
    """Disputes follow the ``disputed`` flag of the last invoices import."""
    do_sync_imported_disputes(day.company, day.as_of)


def resolve_promises(day: DailyRunResult) -> None:
    """Promises kept or broken; then the payment plans their instalments make."""
    day.promises = do_resolve_promises(day.company, day.as_of)
    day.promises |= settle_plans(day.company, day.as_of)


def dunning(day: DailyRunResult) -> None:
    day.dunning = do_carry_out(day.company, day.as_of)


def send_emails(day: DailyRunResult) -> None:
    day.sending = do_send_pending(
        day.company, attachments=statement_attachments, now=_clock(day.as_of)
    )
    do_send_sms(day.company)


def _clock(as_of: date) -> datetime:
    """Now, for today's run; noon of the day for a day replayed or ahead (the retries' clock)."""
    if as_of == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(as_of, time(12)))


def score_customers(day: DailyRunResult) -> None:
    """The day's risk scores, kept for the history."""
    day.scored = len(do_score_company(day.company, day.as_of).cards)


def forecast_cash_in(day: DailyRunResult) -> None:
    """Each open invoice's predicted payment date and the cash-in forecast, kept for the day
    (and compared later with what was collected)."""
    day.forecast = do_store_forecast(day.company, day.as_of).summary.get("method", "")


def raise_alerts(day: DailyRunResult) -> None:
    """The early warnings of the day, and each user's digest of them."""
    day.alerts = do_alerts(day.company, day.as_of)
    do_send_digests(day.company, day.as_of)


def prepare_pages(day: DailyRunResult) -> None:
    """The pages of the day open at once: their cached positions and KPI trend are ready."""
    kpi_trend(day.company, day.as_of)
    positions(day.company, day.as_of)


def propose_provisions(day: DailyRunResult) -> None:
    """At a month end, the month's doubtful-debt provisions, proposed for approval; and the
    last month end's, by the first run after it, when no run was made on that day (a company
    that starts mid-month, a server stopped over the month end)."""
    if is_month_end(day.as_of):
        day.provisions = do_propose_provisions(day.company, day.as_of).total
        return
    last = day.as_of.replace(day=1) - timedelta(days=1)
    if not ProvisionRun.objects.filter(company=day.company, month_end=last).exists():
        day.provisions = do_propose_provisions(day.company, last).total


def take_kpi_snapshots(day: DailyRunResult) -> None:
    """The KPI history: the snapshot of the last month end, taken by the first run after it,
    and those of the month ends before it that have none (backfilled)."""
    day.kpi_snapshots = do_take_month_end_snapshots(day.company, day.as_of)


def measure_position(day: DailyRunResult) -> None:
    totals = aged_totals(day.company, day.as_of)
    day.total, day.overdue = totals.total, totals.overdue


DAILY_STEPS: list[Step] = [
    count_unapplied,
    sync_disputes,
    resolve_promises,
    dunning,
    send_emails,
    score_customers,
    forecast_cash_in,
    raise_alerts,
    propose_provisions,
    take_kpi_snapshots,
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
