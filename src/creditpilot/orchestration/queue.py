"""The job queue: django-tasks with its database backend, plus retries and crash recovery.

The queue is a table of the store (``django_tasks_db``). A worker claims the
next ready job with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL) or in an
exclusive transaction (SQLite), so two workers never take the same job, on one
machine or several. django-tasks itself runs a job once and keeps its outcome;
this module adds what the product needs on top:

- **retries with back-off**: a job that raises is made ready again after
  ``JOB_RETRY_DELAY`` seconds, then 4 times that, ... until ``JOB_MAX_ATTEMPTS``
  attempts; the job's own ``on_retry`` / ``on_give_up`` keep its record (an
  import, a daily run) in step. ``JobGoneError`` is never retried.
- **crash recovery**: each worker keeps a row in ``WorkerBeat`` fresh from a
  thread (its lease). A job left running by a worker that is gone (on the same
  machine: its process no longer exists; on another: its lease is older than
  ``WORKER_LEASE_SECONDS``) is run again, or failed after its last attempt.
  Every job is safe to run again: an import is one transaction, and the daily
  run recomputes the day.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from traceback import format_exception
from typing import Any, TypeVar

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskContext, task
from django_tasks.base import Task, TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from creditpilot.orchestration.models import WorkerBeat

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
# what a job's record is told: the job's args and kwargs, and why
Hook = Callable[[list[Any], dict[str, Any], str], None]


class JobGoneError(Exception):
    """What the job was for no longer exists (its company was removed): never retried."""


@dataclass(frozen=True)
class JobPolicy:
    on_retry: Hook | None = None
    on_give_up: Hook | None = None


POLICIES: dict[str, JobPolicy] = {}


def job(*, on_retry: Hook | None = None, on_give_up: Hook | None = None) -> Callable[[F], Task]:
    """A django-tasks task (taking its context: ``context.attempt``) with retry hooks.

    The function must be at module level; its arguments must be JSON values.
    """

    def wrap(func: F) -> Task:
        made: Task = task(takes_context=True)(func)
        POLICIES[made.module_path] = JobPolicy(on_retry, on_give_up)
        return made

    return wrap


def max_attempts() -> int:
    return max(1, int(settings.JOB_MAX_ATTEMPTS))


def retry_delay(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: the base delay, then 4 times longer each time.

    >>> from django.conf import settings
    >>> [retry_delay(n) / settings.JOB_RETRY_DELAY for n in (1, 2, 3)]
    [1.0, 4.0, 16.0]
    """
    return float(settings.JOB_RETRY_DELAY) * 4 ** (attempt - 1)


def is_last_attempt(context: TaskContext) -> bool:
    return context.attempt >= max_attempts()


def _call_hook(row: DBTaskResult, which: str, reason: str) -> None:
    policy = POLICIES.get(row.task_path)
    hook = getattr(policy, which, None) if policy else None
    if hook is None:
        return
    try:
        hook(row.args_kwargs.get("args", []), row.args_kwargs.get("kwargs", {}), reason)
    except Exception:  # the queue's own state is already right: say so and go on
        log.exception("%s hook of job %s", which, row.pk)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def after_failure(row: DBTaskResult, exc: BaseException) -> bool:
    """A job raised: make it ready again after its back-off, or fail it. True if retried."""
    attempt = len(row.worker_ids)
    reason = _reason(exc)
    if isinstance(exc, JobGoneError) or attempt >= max_attempts():
        row.set_failed(exc)
        log.warning("job %s (%s) failed for good: %s", row.pk, row.task_name, reason)
        _call_hook(row, "on_give_up", reason)
        return False
    delay = retry_delay(attempt)
    DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY,
        run_after=timezone.now() + timedelta(seconds=delay),
        exception_class_path=f"{type(exc).__module__}.{type(exc).__qualname__}",
        traceback="".join(format_exception(exc)),
    )
    log.warning(
        "job %s (%s) attempt %d failed (%s): tried again in %.0f s",
        row.pk,
        row.task_name,
        attempt,
        reason,
        delay,
    )
    _call_hook(row, "on_retry", reason)
    return True


# --- the workers' leases and the jobs they leave behind ----------------------------------


def this_host() -> str:
    return socket.gethostname()[:255]


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def worker_is_alive(beat: WorkerBeat | None, now: datetime) -> bool:
    """On this machine a worker lives as long as its process (its lease may lag while
    SQLite is held by a long import; ten leases without a beat mean the process id was
    reused); elsewhere, as long as its lease."""
    if beat is None:
        return False
    lease = timedelta(seconds=float(settings.WORKER_LEASE_SECONDS))
    if beat.host == this_host():
        return _process_exists(beat.pid) and beat.beat_at >= now - 10 * lease
    return beat.beat_at >= now - lease


class LostWorkerError(Exception):
    """The worker running the job stopped (killed, machine down) before the job ended."""


def recover_abandoned_jobs(now: datetime | None = None) -> list[str]:
    """Jobs left running by a dead worker: ready again, or failed after their last attempt.

    Returns the ids of the jobs it changed. Safe to call from several workers at once:
    each job row is locked (skipping rows another worker is looking at) and checked again.
    """
    now = now or timezone.now()
    running = list(DBTaskResult.objects.running().values_list("pk", "worker_ids"))
    owners = {w[-1] for _pk, w in running if w}
    beats = {b.worker_id: b for b in WorkerBeat.objects.filter(worker_id__in=owners)}
    dead = [pk for pk, w in running if not w or not worker_is_alive(beats.get(w[-1]), now)]
    changed = []
    for pk in dead:
        with exclusive_transaction():
            row = DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING).get_locked()
            if row is None:
                continue
            owner = row.worker_ids[-1] if row.worker_ids else "?"
            lost = LostWorkerError(
                f"the worker {owner} stopped during attempt {len(row.worker_ids)} of "
                f"{max_attempts()}; its work was rolled back"
            )
            after_failure(row, lost)
            if row.status != TaskResultStatus.FAILED:  # resume at once: nothing was done
                DBTaskResult.objects.filter(pk=pk).update(run_after=now)
        changed.append(str(pk))
    WorkerBeat.objects.filter(
        beat_at__lt=now - timedelta(seconds=10 * float(settings.WORKER_LEASE_SECONDS))
    ).delete()
    return changed


class Heartbeat:
    """Keeps the worker's lease fresh from a thread of its own (its own connection)."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.every = max(0.5, min(10.0, float(settings.WORKER_LEASE_SECONDS) / 4))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="heartbeat")

    def start(self) -> None:
        while True:
            now = timezone.now()
            try:
                WorkerBeat.objects.update_or_create(
                    worker_id=self.worker_id,
                    defaults={
                        "host": this_host(),
                        "pid": os.getpid(),
                        "started_at": now,
                        "beat_at": now,
                    },
                )
                break
            except OperationalError as err:  # SQLite busy with another worker's import
                if not is_locked_database_exception(err):
                    raise
                time.sleep(1)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                # SQLite busy with a long import: the next beat will do
                with contextlib.suppress(OperationalError):
                    WorkerBeat.objects.filter(worker_id=self.worker_id).update(
                        beat_at=timezone.now()
                    )
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        except OperationalError:
            log.warning("worker %s: could not remove its lease", self.worker_id)


# --- the worker ---------------------------------------------------------------------------


def new_worker_id() -> str:
    return f"{this_host()[:30]}-{os.getpid()}-{get_random_string(8)}"


class Worker(DatabaseWorker):  # type: ignore[misc]
    """django-tasks-db's worker, with a lease, retries, recovery of abandoned jobs, and
    (under ``creditpilot serve``) an end when the server that started it is gone."""

    RECOVER_EVERY = 10.0  # seconds between two looks for abandoned jobs

    def __init__(
        self,
        *,
        interval: float = 1.0,
        batch: bool = False,
        max_tasks: int | None = None,
        worker_id: str | None = None,
        exit_with_parent: bool = False,
    ) -> None:
        super().__init__(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id or new_worker_id(),
            excluded_queue_names=[],
        )
        self.parent = os.getppid() if exit_with_parent else None
        self._recovered_at = 0.0

    def run(self) -> None:
        heartbeat = Heartbeat(self.worker_id)
        heartbeat.start()
        log.info("worker %s started (pid %d)", self.worker_id, os.getpid())
        try:
            self._loop()
        finally:
            heartbeat.stop()
            log.info("worker %s stopped", self.worker_id)

    def _loop(self) -> None:
        while self.running:
            close_old_connections()
            self._recover_now_and_then()
            claimed, row = self._claim()
            if row is not None:
                self.run_task(row)
            if self.batch and claimed and row is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.parent is not None and os.getppid() != self.parent:
                log.warning("worker %s: the server that started it is gone", self.worker_id)
                return
            if self.running and row is None:
                time.sleep(self.interval)

    def _recover_now_and_then(self) -> None:
        if time.monotonic() - self._recovered_at < self.RECOVER_EVERY:
            return
        self._recovered_at = time.monotonic()
        try:
            recovered = recover_abandoned_jobs()
        except OperationalError as err:
            if not is_locked_database_exception(err):
                raise
            self._recovered_at = 0.0  # the store is busy: look again next turn
            return
        if recovered:
            log.warning("jobs abandoned by a stopped worker: %s", ", ".join(recovered))

    def _claim(self) -> tuple[bool, DBTaskResult | None]:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        try:
            with exclusive_transaction(tasks.db):
                row = tasks.get_locked()
                if row is not None:
                    row.claim(self.worker_id)  # RUNNING, this worker appended: attempt n
        except OperationalError as err:
            if is_locked_database_exception(err):
                return False, None
            raise
        return True, row

    def run_task(self, row: DBTaskResult) -> None:
        self.running_task = True
        try:
            task_obj = row.task
            backend = type(task_obj.get_backend())
            result = row.task_result
            task_started.send(sender=backend, task_result=result)
            value = task_obj.call(TaskContext(task_result=result), *result.args, **result.kwargs)
            row.set_successful(value)
            task_finished.send(sender=backend, task_result=row.task_result)
        except (KeyboardInterrupt, SystemExit):
            raise  # stopped by hand: the job stays running until recovered
        except BaseException as exc:
            if not after_failure(row, exc):
                task_finished.send(sender=type(self), task_result=row.task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1


class WorkerProcesses:
    """Worker processes started beside the web server (``creditpilot serve``): one that
    stops (killed, crashed) is started again; each ends by itself if the server is gone."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.procs: list[subprocess.Popen[bytes]] = []
        self._stop = threading.Event()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "creditpilot", "worker", "--exit-with-parent"],
            stdin=subprocess.DEVNULL,
        )

    def start(self, check_every: float = 5.0) -> None:
        self.procs = [self._spawn() for _ in range(self.count)]
        if self.count:
            threading.Thread(
                target=self._watch, args=(check_every,), daemon=True, name="workers"
            ).start()

    def _watch(self, every: float) -> None:
        while not self._stop.wait(every):
            for n, proc in enumerate(self.procs):
                if proc.poll() is not None:
                    log.warning(
                        "worker pid %d ended (%s): started again", proc.pid, proc.returncode
                    )
                    self.procs[n] = self._spawn()

    def stop(self, wait: float = 30.0) -> None:
        self._stop.set()
        for proc in self.procs:
            proc.terminate()  # a worker ends its current job first
        for proc in self.procs:
            try:
                proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                proc.kill()


def run_worker(
    *,
    interval: float = 1.0,
    batch: bool = False,
    max_tasks: int | None = None,
    exit_with_parent: bool = False,
) -> None:
    """Run jobs until stopped (SIGTERM or Ctrl+C ends the current job first)."""
    worker = Worker(
        interval=interval, batch=batch, max_tasks=max_tasks, exit_with_parent=exit_with_parent
    )
    worker.configure_signals()
    try:
        worker.run()
    except SystemExit:
        sys.stdout.flush()
        raise
