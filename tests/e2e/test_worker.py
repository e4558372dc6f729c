"""A FEC uploaded in the browser is imported by the worker that ``creditpilot serve``
starts (a process of its own, taking its jobs from the queue in the store)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.e2e.conftest import require_browser
from tests.e2e.test_browser import upload
from tests.fecbuilder import Fec

require_browser()

from playwright.sync_api import expect  # noqa: E402


def test_a_fec_uploaded_with_the_worker_running_is_imported_by_the_worker(
    open_page, server, tmp_path
):
    fec = Fec()
    fec.invoice("20261002", "HOOLI", "FW001", "900.00")
    page = open_page("uploader")
    upload(page, server, "UPLOAD", fec.write(tmp_path / "FEC-worker.txt"))
    expect(page.locator("#import-status")).to_have_text("terminé")
    expect(page.locator("#import-result")).to_be_visible()

    store = sqlite3.connect(server.folder / "cp.sqlite3")
    try:
        rows = store.execute(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
            "WHERE task_path LIKE '%.import_file' AND args_kwargs LIKE '%FEC-worker.txt%'"
        ).fetchall()
        workers = dict(store.execute("SELECT worker_id, pid FROM orchestration_workerbeat"))
    finally:
        store.close()
    [(status, worker_ids)] = rows
    [worker] = json.loads(worker_ids)
    assert status == "SUCCESSFUL"
    # the worker that ran it is a live `creditpilot worker` process, not the web server
    cmdline = Path(f"/proc/{workers[worker]}/cmdline").read_bytes().split(b"\0")
    assert b"worker" in cmdline and b"serve" not in cmdline
