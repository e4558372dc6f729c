"""Two schedulers (real processes) at the same moment queue a period's report once; a
worker process sends it to a real SMTP server. SQLite, and PostgreSQL when the suite
runs there."""

from __future__ import annotations

import pytest

from tests.dunning.smtp import SmtpServer
from tests.orchestration.procs import proc_store, wait_for

pytestmark = [pytest.mark.store]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    yield from proc_store(tmp_path_factory.mktemp("reports"))


def test_two_schedulers_queue_the_period_once_and_it_arrives_once(store):
    schedule = store.step(
        "add_report_schedule", company="REP", made_at="2026-02-10T09:00:00+00:00",
        email="reader@example.com",
    )  # fmt: skip
    at = "2026-03-01T06:00:05+01:00"
    schedulers = [store.start("scheduler", "--at", at, log=f"rs{n}.log") for n in range(2)]
    for n, proc in enumerate(schedulers):
        assert wait_for(proc) == 0, store.log(f"rs{n}.log")
    queued = [
        line
        for n in range(2)
        for line in store.log(f"rs{n}.log").splitlines()
        if line.startswith(f"queued the scheduled report {schedule} ")
    ]
    assert queued == [f"queued the scheduled report {schedule} of 2026-02-28"]
    again = store.cli("scheduler", "--at", "2026-03-15T12:00:00+01:00")
    assert "scheduled report" not in again

    smtp = SmtpServer()
    smtp.start()
    try:
        store.env["CREDITPILOT_SMTP_URL"] = smtp.url
        workers = [
            store.start("worker", "--batch", "--interval", "0.05", log=f"rw{n}.log")
            for n in range(2)
        ]
        for n, proc in enumerate(workers):
            assert wait_for(proc) == 0, store.log(f"rw{n}.log")
    finally:
        store.env.pop("CREDITPILOT_SMTP_URL", None)
        smtp.stop()
    [message] = smtp.inbox.to("reader@example.com")
    assert [a.get_filename() for a in message.iter_attachments()] == ["aging-2026-02-28.pdf"]
    assert store.step("dispatches") == [
        {"schedule": schedule, "period_end": "2026-02-28", "status": "sent",
         "recipients": "reader@example.com", "message": ""},
    ]  # fmt: skip
