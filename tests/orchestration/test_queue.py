"""The queue in one process: retries with back-off, jobs abandoned by a dead worker,
jobs whose company was removed, the daily schedule at each company's hour."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import TaskContext
from django_tasks_db.models import DBTaskResult

from creditpilot.companies.models import Company
from creditpilot.companies.services import do_add_company
from creditpilot.orchestration.daily import DAILY_STEPS, do_daily_run_now
from creditpilot.orchestration.imports import do_submit_import
from creditpilot.orchestration.models import DailyRun, WorkerBeat
from creditpilot.orchestration.queue import Worker, job, recover_abandoned_jobs, this_host
from creditpilot.orchestration.schedule import due_companies, schedule_due_runs
from creditpilot.receivables.models import Document, ImportJob
from tests.fecbuilder import hand_ledger

pytestmark = [pytest.mark.store, pytest.mark.django_db]
PARIS = ZoneInfo("Europe/Paris")
CALLS: list[tuple[str, int]] = []
HOOKS: list[tuple[str, str]] = []


def _retried(args, kwargs, reason):
    HOOKS.append(("retry", reason))


def _given_up(args, kwargs, reason):
    HOOKS.append(("give_up", reason))


@job(on_retry=_retried, on_give_up=_given_up)
def flaky(context: TaskContext, key: str, succeed_at: int) -> str:
    CALLS.append((key, context.attempt))
    if context.attempt < succeed_at:
        raise RuntimeError(f"disk hiccup {context.attempt}")
    return "ok"


@pytest.fixture(autouse=True)
def _clean(settings):
    CALLS.clear()
    HOOKS.clear()
    settings.JOB_MAX_ATTEMPTS = 3
    settings.JOB_RETRY_DELAY = 10
    settings.IMPORTS_IN_BACKGROUND = True


def run_next(worker: Worker) -> DBTaskResult | None:
    """What a worker's loop does once: claim the next ready job and run it."""
    claimed, row = worker._claim()
    assert claimed
    if row is not None:
        worker.run_task(row)
        row.refresh_from_db()
    return row


def make_ready(row: DBTaskResult) -> None:
    DBTaskResult.objects.filter(pk=row.pk).update(run_after=timezone.now())


def test_a_failing_job_is_tried_again_after_a_growing_pause_then_fails_for_good():
    worker = Worker(worker_id="w1")
    flaky.enqueue("a", 99)
    row = run_next(worker)
    assert row.status == "READY" and row.worker_ids == ["w1"]
    pause = (row.run_after - timezone.now()).total_seconds()
    assert 8 < pause <= 10  # JOB_RETRY_DELAY
    assert run_next(worker) is None  # not before its time

    make_ready(row)
    row = run_next(worker)
    pause = (row.run_after - timezone.now()).total_seconds()
    assert row.status == "READY" and 38 < pause <= 40  # four times longer
    make_ready(row)
    row = run_next(worker)
    assert row.status == "FAILED" and len(row.worker_ids) == 3
    assert "RuntimeError: disk hiccup 3" in row.traceback
    assert CALLS == [("a", 1), ("a", 2), ("a", 3)]
    assert HOOKS == [
        ("retry", "RuntimeError: disk hiccup 1"),
        ("retry", "RuntimeError: disk hiccup 2"),
        ("give_up", "RuntimeError: disk hiccup 3"),
    ]


def test_a_job_that_succeeds_on_its_second_attempt_ends_successful():
    worker = Worker(worker_id="w1")
    flaky.enqueue("b", 2)
    make_ready(run_next(worker))
    row = run_next(worker)
    assert row.status == "SUCCESSFUL" and row.return_value == "ok"
    assert CALLS == [("b", 1), ("b", 2)]


def submitted_import(code: str, tmp_path) -> ImportJob:
    company = do_add_company(code, f"{code} SAS")
    data = hand_ledger().write(tmp_path / f"{code}.txt").read_bytes()
    return do_submit_import(company, "fec", SimpleUploadedFile("FEC.txt", data), user="tester")


def running_as(worker_id: str) -> DBTaskResult:
    row = DBTaskResult.objects.get()
    row.claim(worker_id)
    return row


def test_a_job_left_running_by_a_dead_worker_runs_again_then_imports_once(tmp_path):
    imp = submitted_import("LOST", tmp_path)
    row = running_as("ghost")  # no lease: the worker is gone
    ImportJob.objects.filter(pk=imp.pk).update(status="running")
    assert recover_abandoned_jobs() == [str(row.pk)]
    imp.refresh_from_db()
    assert imp.status == "queued" and "it will be tried again" in imp.message
    row = run_next(Worker(worker_id="w2"))
    assert row.status == "SUCCESSFUL" and row.worker_ids == ["ghost", "w2"]
    imp.refresh_from_db()
    assert imp.status == "done" and Document.objects.filter(company=imp.company).count() == 16


def test_a_job_whose_last_attempt_was_cut_off_ends_failed_with_the_reason(tmp_path):
    imp = submitted_import("LAST", tmp_path)
    row = DBTaskResult.objects.get()
    for n in range(3):
        row.claim(f"ghost{n}")
    assert recover_abandoned_jobs() == [str(row.pk)]
    row.refresh_from_db()
    imp.refresh_from_db()
    assert row.status == "FAILED" and "LostWorkerError" in row.exception_class_path
    assert imp.status == "failed" and imp.is_finished
    assert "the worker ghost2 stopped during attempt 3 of 3" in imp.message
    assert "nothing was imported" in imp.message
    assert not Document.objects.filter(company=imp.company).exists()


def test_a_live_worker_keeps_its_job_and_a_silent_one_on_another_machine_loses_it(
    tmp_path, settings
):
    settings.WORKER_LEASE_SECONDS = 60
    submitted_import("LIVE", tmp_path)
    now = timezone.now()
    here = WorkerBeat.objects.create(
        worker_id="here", host=this_host(), pid=os.getpid(), started_at=now, beat_at=now
    )
    running_as("here")
    assert recover_abandoned_jobs() == []  # its process is alive
    # a lease a little old here: SQLite held by a long import; ten leases: the pid was reused
    assert recover_abandoned_jobs(now + timedelta(seconds=300)) == []
    assert recover_abandoned_jobs(now + timedelta(seconds=601)) != []
    DBTaskResult.objects.update(status="RUNNING")
    far = WorkerBeat.objects.create(
        worker_id="far", host="elsewhere", pid=1, started_at=now, beat_at=now
    )
    DBTaskResult.objects.update(worker_ids=[here.worker_id, far.worker_id])
    assert recover_abandoned_jobs() == []  # fresh lease
    assert recover_abandoned_jobs(now + timedelta(seconds=61)) != []  # lease gone by


def test_an_import_for_a_company_removed_since_ends_failed_and_says_why(tmp_path):
    imp = submitted_import("GONE", tmp_path)
    Company.objects.filter(pk=imp.company_id).delete()
    row = run_next(Worker(worker_id="w1"))
    assert row.status == "FAILED" and len(row.worker_ids) == 1  # not tried again
    assert row.exception_class_path.endswith("JobGoneError")
    assert (
        f"import #{imp.pk} of 'FEC.txt': company 'GONE' was removed after the file was "
        "submitted; nothing was imported" in row.traceback
    )


def test_a_daily_run_for_a_company_removed_since_ends_failed_and_says_why():
    company = do_add_company("BYE", "Bye SA")
    [queued] = schedule_due_runs(datetime(2026, 12, 3, 7, 0, tzinfo=PARIS))
    assert queued.company == company
    company.delete()
    row = run_next(Worker(worker_id="w1"))
    assert row.status == "FAILED" and row.exception_class_path.endswith("JobGoneError")
    assert "daily run of 2026-12-03 for company 'BYE': the company was removed" in row.traceback


def test_each_company_is_due_at_its_own_hour_in_paris_time():
    early = do_add_company("EARLY", "Early SA")
    late = do_add_company("LATE", "Late SA")
    Company.objects.filter(pk=late.pk).update(daily_run_hour=time(18, 30))
    assert early.daily_run_hour == time(6, 0)  # the default
    # 04:59 UTC is 05:59 in Paris in winter; 05:00 UTC is 06:00
    with time_machine.travel(datetime(2026, 12, 3, 4, 59, 59, tzinfo=ZoneInfo("UTC"))):
        assert due_companies(timezone.now()) == []
    with time_machine.travel(datetime(2026, 12, 3, 5, 0, tzinfo=ZoneInfo("UTC"))):
        assert due_companies(timezone.now()) == [early]
        assert [r.company for r in schedule_due_runs()] == [early]
        assert schedule_due_runs() == []  # once a day
    with time_machine.travel(datetime(2026, 12, 3, 17, 30, tzinfo=ZoneInfo("UTC"))):
        assert [r.company for r in schedule_due_runs()] == [late]
    with time_machine.travel(datetime(2026, 12, 4, 5, 0, tzinfo=ZoneInfo("UTC"))):
        assert [(r.company, r.day) for r in schedule_due_runs()] == [(early, date(2026, 12, 4))]
    # summer time: 06:00 in Paris is 04:00 UTC
    with time_machine.travel(datetime(2026, 7, 1, 4, 0, tzinfo=ZoneInfo("UTC"))):
        assert [r.company for r in schedule_due_runs()] == [early]
    assert DBTaskResult.objects.count() == DailyRun.objects.count() == 4


def test_a_second_row_for_the_same_company_and_day_is_refused_by_the_store():
    company = do_add_company("ONCE", "Once SA")
    DailyRun.objects.create(company=company, day=date(2026, 12, 3))
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyRun.objects.create(company=company, day=date(2026, 12, 3))


def test_a_daily_run_by_hand_is_noted_so_the_scheduler_leaves_that_day(demo_hand_company):
    result = do_daily_run_now(demo_hand_company, date(2026, 6, 30))
    assert result.steps == [step.__name__ for step in DAILY_STEPS]
    assert result.total == 835000  # the hand ledger's receivables at 2026-06-30
    run = DailyRun.objects.get(company=demo_hand_company)
    assert run.status == "done" and run.summary == result.summary()
    at = datetime(2026, 6, 30, 9, 0, tzinfo=PARIS)
    assert demo_hand_company not in due_companies(at)


@pytest.fixture
def demo_hand_company(tmp_path):
    from creditpilot.receivables.services import do_import_fec

    company = do_add_company("HAND", "Hand SA")
    do_import_fec(company, hand_ledger().write(tmp_path / "FEC.txt"))
    return company


def test_at_start_the_server_fails_only_the_imports_no_job_will_finish(tmp_path):
    from creditpilot.orchestration.imports import do_fail_interrupted_jobs

    followed = submitted_import("QUEUED", tmp_path)  # its job waits in the queue
    orphan = submitted_import("ORPHAN", tmp_path)
    DBTaskResult.objects.filter(args_kwargs__args__0=orphan.pk).delete()
    ImportJob.objects.filter(pk=orphan.pk).update(status="running")
    assert do_fail_interrupted_jobs() == 1
    followed.refresh_from_db()
    orphan.refresh_from_db()
    assert followed.status == "queued"
    assert orphan.status == "failed" and "interrupted" in orphan.message
