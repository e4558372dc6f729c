"""Scheduled reports as jobs: each period's sending is queued once, then sent by a worker.

``schedule_due_reports`` inserts the unique (schedule, period) row of ``ReportDispatch``
and queues the job in one transaction: a second scheduler (another server) fails on the
row and leaves it, so a period's report goes once however many schedulers run. The job
(``send_scheduled_report``) renders the report and sends it (``steering.schedules``); a
failure is tried again by the queue, then the dispatch ends failed with its reason.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import TaskContext

from creditpilot.orchestration.queue import JobGoneError, job, this_host
from creditpilot.steering.models import ReportDispatch
from creditpilot.steering.schedules import do_send_dispatch, due_reports, mark_failed

log = logging.getLogger(__name__)


def _given_up(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    mark_failed(args[0], f"failed: {reason}")


def _retried(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    ReportDispatch.objects.filter(pk=args[0]).update(
        message=f"attempt failed ({reason[:300]}); tried again"
    )


@job(on_retry=_retried, on_give_up=_given_up)
def send_scheduled_report(context: TaskContext, dispatch_id: int, company: str, period: str) -> str:
    """The job the scheduler queues (company code and period: for the messages)."""
    if not ReportDispatch.objects.filter(pk=dispatch_id).exists():
        raise JobGoneError(
            f"scheduled report of {period} for company {company!r}: its schedule or company "
            "was removed after it was queued; nothing was sent"
        )
    return do_send_dispatch(dispatch_id)


def schedule_due_reports(now: datetime | None = None, *, by: str = "") -> list[ReportDispatch]:
    """Queue every scheduled report due; the dispatches this call queued."""
    now = now or timezone.now()
    by = by or f"{this_host()}:{os.getpid()}"
    queued = []
    for due in due_reports(now):
        try:
            with transaction.atomic():
                dispatch = ReportDispatch.objects.create(
                    schedule=due.schedule, period_end=due.period_end, scheduled_by=by[:120]
                )
                result = send_scheduled_report.enqueue(
                    dispatch.pk, due.schedule.company.code, due.period_end.isoformat()
                )
                ReportDispatch.objects.filter(pk=dispatch.pk).update(task_id=str(result.id))
        except IntegrityError:  # another scheduler queued it first
            continue
        log.info("report %s of %s queued", due.schedule.pk, due.period_end)
        queued.append(dispatch)
    return queued
