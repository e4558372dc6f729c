"""Real processes for the queue tests: a store of their own (an SQLite file, or a fresh
PostgreSQL database when the suite runs on PostgreSQL), the ``creditpilot`` command run
against it, and a few steps done in a Python process of its own (``python -m
tests.orchestration.procs STEP JSON``, answering JSON), so that the test process never
holds the store open while workers and schedulers run.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "creditpilot"]
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ProcStore:
    url: str
    folder: Path
    env: dict[str, str]

    @property
    def sqlite_path(self) -> Path | None:
        if self.url.startswith("sqlite:///"):
            return Path(self.url.removeprefix("sqlite:///"))
        return None

    def cli(self, *args: object, ok: tuple[int, ...] = (0,), timeout: float = 180) -> str:
        proc = subprocess.run(
            [*CLI, *map(str, args)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )
        assert proc.returncode in ok, f"creditpilot {args}: {proc.returncode}\n{proc.stderr}"
        return proc.stdout

    def start(self, *args: object, log: str) -> subprocess.Popen[bytes]:
        out = (self.folder / log).open("wb")
        return subprocess.Popen(
            [*CLI, *map(str, args)],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
        )

    def log(self, name: str) -> str:
        return (self.folder / name).read_text(errors="replace")

    def step(self, name: str, **kwargs: Any) -> Any:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.orchestration.procs", name, json.dumps(kwargs)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            cwd=ROOT,
        )
        assert proc.returncode == 0, f"step {name}: {proc.returncode}\n{proc.stderr}"
        return json.loads(proc.stdout.strip().splitlines()[-1])


def proc_store(folder: Path) -> Iterator[ProcStore]:
    """A migrated store for the module's processes, removed afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
    env["CREDITPILOT_DATA_DIR"] = str(folder / "data")
    env["CREDITPILOT_SECRET_KEY"] = "test-only-not-secret"
    env["CREDITPILOT_JOB_RETRY_DELAY"] = "0.2"
    env["PYTHONPATH"] = str(ROOT)
    server = os.environ.get("CREDITPILOT_DATABASE_URL", "")
    name = admin = None
    if server.startswith("postgres"):
        import psycopg

        name = f"cp_procs_{uuid.uuid4().hex[:10]}"
        admin = server.rsplit("/", 1)[0] + "/postgres"  # the named database may not exist
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = server.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{folder / 'store.sqlite3'}"
    env["CREDITPILOT_DATABASE_URL"] = url
    store = ProcStore(url=url, folder=folder, env=env)
    try:
        store.cli("init", "--company", "SEED", "--name", "Seed")
        yield store
    finally:
        if name is not None:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for(proc: subprocess.Popen[bytes], seconds: float = 120) -> int:
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


JOB_STATUS = (
    "SELECT j.status FROM receivables_importjob j JOIN companies_company c "
    "ON c.id = j.company_id WHERE c.code = %s"
)


def _probe_sqlite(path: Path, company: str) -> tuple[str, bool]:
    conn = sqlite3.connect(path, timeout=0)
    try:
        row = conn.execute(JOB_STATUS.replace("%s", "?"), (company,)).fetchone()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            writing = False
        except sqlite3.OperationalError:
            writing = True
    finally:
        conn.close()
    return (row[0] if row else ""), writing


def _probe_postgres(url: str, company: str) -> tuple[str, bool]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(JOB_STATUS, (company,)).fetchone()
        open_ = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
            "AND now() - xact_start > interval '50 milliseconds'"
        ).fetchone()
    return (row[0] if row else ""), bool(open_ and open_[0])


def import_transaction_open(store: ProcStore, company: str) -> bool:
    """True while the company's import job runs and a write transaction is open: the
    import's own (the job is marked done before any other write of the job)."""
    path = store.sqlite_path
    probe = _probe_sqlite(path, company) if path else _probe_postgres(store.url, company)
    return probe == ("running", True)


def wait_inside_the_import(store: ProcStore, worker: subprocess.Popen[bytes], company: str) -> None:
    """Return once the worker has held its import transaction for a while (mid-import)."""
    deadline = time.monotonic() + 120
    held_since = None
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the worker ended before it could be killed"
        if import_transaction_open(store, company):
            held_since = held_since or time.monotonic()
            if time.monotonic() - held_since > 0.1:
                return
        else:
            held_since = None
        time.sleep(0.03)
    raise AssertionError("the worker never opened its import transaction")


def worker_pids(store: ProcStore) -> list[int]:
    """The process ids of the workers holding a lease, read straight from the store."""
    sql = "SELECT pid FROM orchestration_workerbeat"
    path = store.sqlite_path
    if path is not None:
        conn = sqlite3.connect(path, timeout=5)
        try:
            return [r[0] for r in conn.execute(sql)]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(store.url, autocommit=True) as conn:
        return [r[0] for r in conn.execute(sql)]


def process_ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return True
    return state in "ZX"  # a zombie has ended


# --- steps run in a process of their own ---------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditpilot.settings")
    import django

    django.setup()


def submit_imports(files: dict[str, str]) -> list[int]:
    """One company per entry (code -> FEC path), its file submitted as in the browser."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from creditpilot.companies.services import do_add_company
    from creditpilot.orchestration.imports import do_submit_import

    ids = []
    for code, path in files.items():
        company = do_add_company(code, f"{code} SAS")
        upload = SimpleUploadedFile(Path(path).name, Path(path).read_bytes())
        ids.append(do_submit_import(company, "fec", upload, user="tester").pk)
    return ids


def add_companies(hours: dict[str, str]) -> list[str]:
    from datetime import time as clock

    from creditpilot.companies.models import Company
    from creditpilot.companies.services import do_add_company

    for code, hour in hours.items():
        company = do_add_company(code, f"{code} SA")
        Company.objects.filter(pk=company.pk).update(daily_run_hour=clock.fromisoformat(hour))
    return list(hours)


def state() -> dict[str, Any]:
    """What the tests check: jobs, imports, documents and daily runs, per company."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from creditpilot.orchestration.models import DailyRun, WorkerBeat
    from creditpilot.receivables.models import Document, ImportBatch, ImportJob

    def per_company(model: Any) -> dict[str, int]:
        rows = model.objects.values("company__code").annotate(n=Count("id"))
        return {r["company__code"]: r["n"] for r in rows}

    return {
        "tasks": [
            {
                "path": t.task_path.rsplit(".", 1)[-1],
                "args": t.args_kwargs["args"],
                "status": t.status,
                "workers": t.worker_ids,
                "error": t.traceback.strip().splitlines()[-1] if t.traceback else "",
            }
            for t in DBTaskResult.objects.order_by("enqueued_at")
        ],
        "imports": {
            j.company.code: {"status": j.status, "message": j.message, "counts": j.counts}
            for j in ImportJob.objects.select_related("company")
        },
        "documents": per_company(Document),
        "batches": per_company(ImportBatch),
        "daily_runs": [
            {"company": r.company.code, "day": r.day.isoformat(), "status": r.status}
            for r in DailyRun.objects.select_related("company").order_by("company__code")
        ],
        "workers": list(WorkerBeat.objects.values_list("worker_id", flat=True)),
    }


def add_report_schedule(company: str, made_at: str, email: str) -> int:
    """A company with a user to send to and a monthly report scheduled at ``made_at``."""
    from datetime import datetime

    from creditpilot.accounts.services import do_add_user
    from creditpilot.audit.services import Actor
    from creditpilot.companies.services import do_add_company
    from creditpilot.steering.models import ReportSchedule
    from creditpilot.steering.schedules import do_add_schedule

    target = do_add_company(company, f"{company} SA")
    do_add_user("reader", companies=[target], role="management", email=email)
    user_id = target.memberships.get(user__username="reader").user_id
    schedule = do_add_schedule(
        target, report="aging", frequency="monthly", fmt="pdf", language="fr",
        recipients=[user_id], actor=Actor(username="tester"),
    )  # fmt: skip
    ReportSchedule.objects.filter(pk=schedule.pk).update(created_at=datetime.fromisoformat(made_at))
    return schedule.pk


def dispatches() -> list[dict[str, Any]]:
    from creditpilot.steering.models import ReportDispatch

    return [
        {"schedule": d.schedule_id, "period_end": d.period_end.isoformat(), "status": d.status,
         "recipients": d.recipients, "message": d.message}
        for d in ReportDispatch.objects.order_by("pk")
    ]  # fmt: skip


STEPS = {
    "submit_imports": submit_imports,
    "add_companies": add_companies,
    "state": state,
    "add_report_schedule": add_report_schedule,
    "dispatches": dispatches,
}

if __name__ == "__main__":
    _setup()
    result = STEPS[sys.argv[1]](**json.loads(sys.argv[2]))
    print(json.dumps(result))
