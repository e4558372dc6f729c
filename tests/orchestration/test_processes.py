"""The queue and the schedule with real processes: two workers, two schedulers, a worker
killed with SIGKILL in the middle of an import. On SQLite (a store file of their own) and,
with ``CREDITPILOT_DATABASE_URL=postgresql://...``, on a fresh PostgreSQL database."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections import Counter
from pathlib import Path

import pytest

from creditpilot.demo import generate_demo
from tests.fecbuilder import hand_ledger
from tests.orchestration.procs import (
    ProcStore,
    proc_store,
    process_ended,
    wait_for,
    wait_inside_the_import,
    worker_pids,
)

pytestmark = [pytest.mark.store]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    yield from proc_store(tmp_path_factory.mktemp("queue"))


def test_two_workers_taking_the_same_jobs_run_each_once(store: ProcStore, tmp_path: Path):
    fec = hand_ledger().write(tmp_path / "FEC.txt")
    codes = [f"W{n}" for n in range(6)]
    store.step("submit_imports", files={code: str(fec) for code in codes})

    workers = [
        store.start("worker", "--batch", "--interval", "0.05", log=f"w{n}.log") for n in range(2)
    ]
    for n, proc in enumerate(workers):
        assert wait_for(proc) == 0, store.log(f"w{n}.log")

    state = store.step("state")
    imports = [t for t in state["tasks"] if t["path"] == "import_file"]
    assert len(imports) == 6
    assert all(t["status"] == "SUCCESSFUL" and len(t["workers"]) == 1 for t in imports), imports
    for code in codes:
        assert state["imports"][code]["status"] == "done"
        assert state["batches"][code] == 1  # imported once, not twice
        assert state["documents"][code] == 16
    assert state["workers"] == []  # each worker removed its lease when it stopped


def test_two_schedulers_at_the_hour_and_two_workers_run_each_companys_day_once(
    store: ProcStore,
):
    store.step("add_companies", hours={"S6A": "06:00", "S6B": "05:30", "S9": "09:00"})
    at = "2026-12-03T06:00:05+01:00"  # Paris time: S6A and S6B are due, S9 is not
    schedulers = [store.start("scheduler", "--at", at, log=f"s{n}.log") for n in range(2)]
    for n, proc in enumerate(schedulers):
        assert wait_for(proc) == 0, store.log(f"s{n}.log")
    ours = {"S6A", "S6B", "S9"}  # the store's other companies keep the default 06:00
    queued = Counter(
        line.split()[-3]
        for n in range(2)
        for line in store.log(f"s{n}.log").splitlines()
        if line.startswith("queued the daily run") and line.split()[-3] in ours
    )
    assert queued == {"S6A": 1, "S6B": 1}, queued

    again = store.cli("scheduler", "--at", "2026-12-03T23:00:00+01:00")
    assert "S9" in again and "S6A" not in again  # later that day: only S9 is new

    workers = [
        store.start("worker", "--batch", "--interval", "0.05", log=f"dw{n}.log") for n in range(2)
    ]
    for n, proc in enumerate(workers):
        assert wait_for(proc) == 0, store.log(f"dw{n}.log")
    state = store.step("state")
    runs = [r for r in state["daily_runs"] if r["company"] in ours]
    assert runs == [
        {"company": c, "day": "2026-12-03", "status": "done"} for c in ("S6A", "S6B", "S9")
    ]
    daily = [t for t in state["tasks"] if t["path"] == "daily_run" and t["args"][1] in ours]
    assert len(daily) == 3
    assert all(t["status"] == "SUCCESSFUL" and len(t["workers"]) == 1 for t in daily), daily


def test_a_worker_killed_mid_import_leaves_the_store_as_it_was_and_the_job_resumes(
    store: ProcStore, tmp_path: Path
):
    # enough lines that the import holds its transaction long enough to be caught in it
    files = generate_demo(tmp_path / "demo", customers=300, lines=80_000, single_file=True)
    store.step("submit_imports", files={"KILL": str(files.fec[0])})

    worker = store.start("worker", "--interval", "0.05", log="killed.log")
    try:
        wait_inside_the_import(store, worker, "KILL")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    cut = store.step("state")
    assert cut["imports"]["KILL"]["status"] == "running"
    assert "KILL" not in cut["documents"] and "KILL" not in cut["batches"]  # nothing half done
    [job] = [t for t in cut["tasks"] if t["args"][1:2] == ["KILL"]]
    assert job["status"] == "RUNNING" and len(job["workers"]) == 1

    again = store.start("worker", "--batch", "--interval", "0.05", log="resumed.log")
    assert wait_for(again, 300) == 0, store.log("resumed.log")
    after = store.step("state")
    [job] = [t for t in after["tasks"] if t["args"][1:2] == ["KILL"]]
    assert job["status"] == "SUCCESSFUL" and len(job["workers"]) == 2  # attempt 2 finished it
    assert after["imports"]["KILL"]["status"] == "done"
    assert after["batches"]["KILL"] == 1
    assert after["documents"]["KILL"] == after["imports"]["KILL"]["counts"]["documents_added"]
    assert "abandoned by a stopped worker" in store.log("resumed.log")


def new_worker(store: ProcStore, server, known: set[int]) -> int:
    deadline = time.monotonic() + 90
    while not (started := set(worker_pids(store)) - known):
        assert server.poll() is None, store.log("serve.log")
        assert time.monotonic() < deadline, store.log("serve.log")
        time.sleep(0.2)
    [pid] = started
    return pid


def test_the_server_keeps_a_worker_running_and_it_ends_when_the_server_is_killed(
    store: ProcStore,
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    known = set(worker_pids(store))
    server = store.start("serve", "--port", port, "--no-schedule", log="serve.log")
    try:
        first = new_worker(store, server, known)
        os.kill(first, signal.SIGKILL)  # the server starts another one
        second = new_worker(store, server, known | {first})
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    deadline = time.monotonic() + 30
    while not process_ended(second):
        assert time.monotonic() < deadline, "the worker outlived its server"
        time.sleep(0.2)
