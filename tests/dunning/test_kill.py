"""A run killed (SIGKILL) while it sends, then started again: nothing is sent twice, nothing lost."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.cli.test_contract import CLI, cp, env  # noqa: F401 (env is a fixture)
from tests.dunning.smtp import Inbox, SmtpServer

COUNT = 12


class SlowInbox(Inbox):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.25)
        return await super().handle_DATA(server, session, envelope)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc; empty elsewhere)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/stat") if Path("/proc").exists() else []:
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.parent.name))
    return found


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_run_resumes_without_sending_twice(env, tmp_path):  # noqa: F811
    cp(env, "init")
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "code,name,siren,country,segment,payment_terms,email\n"
        + "".join(f"C{n:02d},Client {n},,FR,PME,NET30,c{n}@example.fr\n" for n in range(COUNT))
    )
    invoices = tmp_path / "invoices.csv"
    invoices.write_text(
        "customer_code,number,date,due_date,amount,currency\n"
        + "".join(f"C{n:02d},F{n:02d},2026-05-30,2026-06-29,100.00,EUR\n" for n in range(COUNT))
    )
    cp(env, "import", "customers", customers)
    cp(env, "import", "invoices", invoices)
    smtp = SmtpServer()
    smtp.inbox = SlowInbox()
    smtp.start()
    try:
        run_env = {**env, "CREDITPILOT_SMTP_URL": smtp.url}
        proc = subprocess.Popen([*CLI, "run", "--as-of", "2026-06-30"], env=run_env)
        deadline = time.monotonic() + 60
        while len(smtp.inbox.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = children_of(proc.pid)  # the statements' renderers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert 3 <= len(smtp.inbox.messages) < COUNT
        # they end with the run, not left waiting for work forever
        gone_by = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < gone_by:
            time.sleep(0.1)
        assert not [pid for pid in workers if alive(pid)]
        out = cp(run_env, "run", "--as-of", "2026-06-30").stdout
        assert "1 interrupted" in out or "0 interrupted" in out
        time.sleep(0.5)  # the last message handed over before the kill lands
    finally:
        smtp.stop()
    received = [m["To"] for m in smtp.inbox.messages]
    assert len(received) == len(set(received)), "a reminder was sent twice"
    store = sqlite3.connect(env["CREDITPILOT_DATABASE_URL"].removeprefix("sqlite:///"))
    statuses = dict(
        store.execute(
            "SELECT recipient, status FROM collections_app_message WHERE channel = 'email'"
        ).fetchall()
    )
    assert len(statuses) == COUNT
    assert set(statuses.values()) <= {"sent", "uncertain"}
    # every reminder reached the server, except at most the one cut off mid-way (to be checked)
    uncertain = [r for r, s in statuses.items() if s == "uncertain"]
    assert len(uncertain) <= 1
    assert set(received) | set(uncertain) == set(statuses)
    checks = store.execute(
        "SELECT COUNT(*) FROM collections_app_task WHERE kind = 'check_delivery'"
    ).fetchone()[0]
    assert checks == len(uncertain)
