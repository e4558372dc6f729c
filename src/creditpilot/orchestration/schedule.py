"""The daily schedule: each company's daily run is queued at its hour, once a day.

A company's run for a day is due once the local time (``TIME_ZONE``,
Europe/Paris) reaches its ``daily_run_hour`` that day; a server started later
in the day queues it at once. Queuing inserts the (company, day) row of
``DailyRun`` and the job in one transaction: a second scheduler (another
server) fails on the unique row and leaves it, so a day runs once whatever
the number of servers. Days gone by are not caught up. The same loop queues the
scheduled reports whose period has ended (``orchestration.reports``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime

from django.db import (
    IntegrityError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.utils import timezone

from creditpilot.companies.models import Company
from creditpilot.orchestration.daily import daily_run
from creditpilot.orchestration.models import DailyRun
from creditpilot.orchestration.queue import this_host
from creditpilot.orchestration.reports import schedule_due_reports

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def due_companies(now: datetime) -> list[Company]:
    """Companies whose run of the local day ``now`` falls in is due and not yet queued."""
    local = timezone.localtime(now)
    taken = DailyRun.objects.filter(day=local.date()).values("company_id")
    return list(
        Company.objects.filter(daily_run_hour__lte=local.time().replace(tzinfo=None))
        .exclude(pk__in=taken)
        .order_by("pk")
    )


def schedule_due_runs(now: datetime | None = None, *, by: str = "") -> list[DailyRun]:
    """Queue every due daily run; the runs this call queued (another scheduler's are left)."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    by = by or f"{this_host()}:{os.getpid()}"
    queued = []
    for company in due_companies(now):
        try:
            with transaction.atomic():
                run = DailyRun.objects.create(company=company, day=day, scheduled_by=by[:120])
                result = daily_run.enqueue(run.pk, company.code, day.isoformat())
                DailyRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
        except IntegrityError:  # another scheduler queued it first
            continue
        log.info("daily run of %s for %s queued", company.code, day)
        queued.append(run)
    return queued


def run_scheduler(
    stop: threading.Event, *, interval: float = 30.0, clock: Clock = timezone.now
) -> None:
    """Look for due runs every ``interval`` seconds until ``stop`` is set."""
    try:
        while True:
            close_old_connections()
            try:
                now = clock()
                schedule_due_runs(now)
                schedule_due_reports(now)
            except OperationalError:  # the store is busy (a long import on SQLite): next turn
                log.warning("scheduler: store busy, trying again in %.0f s", interval)
            if stop.wait(interval):
                return
    finally:
        connection.close()  # the thread's own connection


def start_scheduler_thread(interval: float = 30.0) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_scheduler,
        args=(stop,),
        kwargs={"interval": interval},
        daemon=True,
        name="scheduler",
    )
    thread.start()
    return thread, stop
