"""Scheduled reports: queued once per period after it ends, at the company's hour; sent by
a worker over SMTP (a real server) to the chosen users; never twice; read back with pypdf."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from creditpilot.accounts.services import do_add_user, do_revoke
from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.core.errors import InvalidInputError
from creditpilot.orchestration.queue import Worker
from creditpilot.orchestration.reports import schedule_due_reports
from creditpilot.steering.models import ReportDispatch
from creditpilot.steering.schedules import (
    do_add_schedule,
    do_remove_schedule,
    do_send_dispatch,
    due_reports,
)

pytestmark = [pytest.mark.store, pytest.mark.django_db]
UTC = ZoneInfo("UTC")


@pytest.fixture(autouse=True)
def _queue(settings):
    settings.JOB_MAX_ATTEMPTS = 2
    settings.JOB_RETRY_DELAY = 0


@pytest.fixture
def users(company):
    do_add_user("carla", companies=[company], role="credit_manager", email="carla@example.com")
    do_add_user("dan", companies=[company], role="management", email="dan@example.com")
    do_add_user("sam", companies=[company], role="sales", sales_rep="bob", email="sam@example.com")
    return {u.username: u.pk for u in get_user_model().objects.all()}


def add(company, users, report="monthly", frequency="monthly", fmt="pdf", language="fr",
        who=("carla", "dan")):  # fmt: skip
    with time_machine.travel(datetime(2026, 2, 10, 9, 0, tzinfo=UTC)):
        return do_add_schedule(
            company, report=report, frequency=frequency, fmt=fmt, language=language,
            recipients=[users[w] for w in who], actor=Actor(username="carla"),
        )  # fmt: skip


def work_all() -> None:
    worker = Worker(worker_id="w-test", batch=True, interval=0.01)
    while True:
        claimed, row = worker._claim()
        if row is None:
            return
        worker.run_task(row)


def test_the_monthly_report_goes_once_after_the_month_at_the_company_hour(company, users, smtp):
    schedule = add(company, users)
    # 1 March 2026, 05:59 in Paris: the company's run hour (06:00) is not reached
    with time_machine.travel(datetime(2026, 3, 1, 4, 59, tzinfo=UTC)):
        assert schedule_due_reports() == []
    with time_machine.travel(datetime(2026, 3, 1, 5, 0, tzinfo=UTC)):
        [queued] = schedule_due_reports()
        assert (queued.schedule_id, queued.period_end) == (schedule.pk, date(2026, 2, 28))
        assert schedule_due_reports() == []  # the period is queued once
    with time_machine.travel(datetime(2026, 3, 20, 12, 0, tzinfo=UTC)):
        assert schedule_due_reports() == []  # later in March: still February's, already sent
    work_all()
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["carla@example.com", "dan@example.com"]
    message = smtp.inbox.to("dan@example.com")[0]
    assert message["Subject"] == "Rapport mensuel de crédit du 28/02/2026 – Ma société"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "credit-report-2026-02.pdf"
    pdf = PdfReader(io.BytesIO(attachment.get_content()))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "Rapport mensuel de crédit" in text and "février 2026" in text
    assert "DSO (jours) 48,7" in text
    dispatch = ReportDispatch.objects.get()
    assert dispatch.status == "sent" and dispatch.recipients == "carla@example.com,dan@example.com"
    assert do_send_dispatch(dispatch.pk).startswith("already sent")
    assert len(smtp.inbox.messages) == 2


def test_the_store_refuses_a_second_dispatch_of_a_period(company, users):
    schedule = add(company, users)
    ReportDispatch.objects.create(schedule=schedule, period_end=date(2026, 2, 28))
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportDispatch.objects.create(schedule=schedule, period_end=date(2026, 2, 28))


def test_weekly_kpis_in_xlsx_cover_the_week_that_ended(company, users, smtp):
    add(company, users, report="kpis", frequency="weekly", fmt="xlsx", language="en", who=("dan",))
    # Monday 2 March 2026: the week ended on Sunday 1 March
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)):
        [queued] = schedule_due_reports()
    assert queued.period_end == date(2026, 3, 1)
    work_all()
    [message] = smtp.inbox.to("dan@example.com")
    assert message["Subject"] == "KPIs of 01/03/2026 – Ma société"
    [attachment] = list(message.iter_attachments())
    book = openpyxl.load_workbook(io.BytesIO(attachment.get_content()))
    assert book.sheetnames[0] == "Key figures and their trend"
    rows = list(book["Aged balance by sales rep"].iter_rows(values_only=True))
    assert ("bob", 2400) in [r[:2] for r in rows]


def test_a_period_ended_before_the_schedule_was_made_is_not_sent(company, users):
    add(company, users, frequency="monthly")  # made on 10 February
    with time_machine.travel(datetime(2026, 2, 11, 9, 0, tzinfo=UTC)):
        assert due_reports(datetime(2026, 2, 11, 9, 0, tzinfo=UTC)) == []  # January's


def test_only_users_who_see_the_whole_company_receive_reports(company, users, smtp):
    with pytest.raises(InvalidInputError) as err:
        add(company, users, who=("carla", "sam"))  # sam is a sales user
    assert err.value.code == "bad_recipients"
    with pytest.raises(InvalidInputError) as err:
        add(company, users, frequency="weekly")
    assert err.value.code == "monthly_report_monthly"
    add(company, users)
    do_revoke(company, "dan")  # dan leaves the company before the month ends
    with time_machine.travel(datetime(2026, 3, 1, 6, 0, tzinfo=UTC)):
        schedule_due_reports()
    work_all()
    assert [m["To"] for m in smtp.inbox.messages] == ["carla@example.com"]


def test_without_a_mail_server_the_sending_fails_with_its_reason(company, users, monkeypatch):
    monkeypatch.delenv("CREDITPILOT_SMTP_URL", raising=False)
    add(company, users)
    with time_machine.travel(datetime(2026, 3, 1, 6, 0, tzinfo=UTC)):
        schedule_due_reports()
    work_all()  # both attempts (the retry waits 0 s)
    dispatch = ReportDispatch.objects.get()
    assert dispatch.status == "failed"
    assert "no SMTP server configured (CREDITPILOT_SMTP_URL)" in dispatch.message


def test_adding_and_stopping_a_schedule_is_audited(company, users):
    schedule = add(company, users)
    do_remove_schedule(company, schedule.pk, actor=Actor(username="carla"))
    actions = list(AuditEvent.objects.filter(company=company).values_list("action", "after"))
    assert ("report_scheduled", {
        "report": "monthly", "frequency": "monthly", "report_format": "pdf",
        "report_language": "fr", "recipients": "carla, dan",
    }) in actions  # fmt: skip
    assert "report_unscheduled" in [a for a, _ in actions]
    with time_machine.travel(datetime(2026, 3, 1, 6, 0, tzinfo=UTC)):
        assert schedule_due_reports() == []  # stopped
