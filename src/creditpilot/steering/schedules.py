"""Reports sent by email on a schedule, to chosen users of the company.

A schedule names a report (the monthly credit report, the aged balance, the KPIs),
a frequency (weekly: the week Monday–Sunday; monthly: the calendar month), a format
and a language, and its recipients among the company's users. Once a period has
ended, from the company's daily run hour the day after, the scheduler queues its
sending (``orchestration.schedule``): it inserts the unique (schedule, period) row
of ``ReportDispatch`` with the job, so a period is sent once however many
schedulers run. Only the last period ended is sent (periods gone by are not caught
up), and never one that ended before the schedule was made.

The job renders the report at the period's last day and sends it over SMTP
(``CREDITPILOT_SMTP_URL``, as the reminders), one message per recipient. Each
address is noted once its message is handed over, so a job run again after a crash
does not send it twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditpilot.accounts.models import Membership
from creditpilot.accounts.rights import Role
from creditpilot.audit.services import Actor, record
from creditpilot.collections.sending import DEFAULT_SENDER, MAIL_FROM_ENV, configured_server
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError
from creditpilot.reports import render as reports_render
from creditpilot.reports.aging import aging_report
from creditpilot.steering import render
from creditpilot.steering.history import last_month_end
from creditpilot.steering.models import ReportDispatch, ReportSchedule
from creditpilot.steering.monthly import kpi_document, management_report

REPORT_LABELS = {
    "monthly": gettext_lazy("Monthly credit report"),
    "aging": gettext_lazy("Aged balance"),
    "kpis": gettext_lazy("KPIs"),
}
FREQUENCY_LABELS = {
    "weekly": gettext_lazy("every week"),
    "monthly": gettext_lazy("every month"),
}
LANGUAGE_LABELS = {"fr": "français", "en": "English"}
MIME = {
    "pdf": ("application", "pdf"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def report_label(code: str) -> str:
    return str(REPORT_LABELS.get(code, code))


def frequency_label(code: str) -> str:
    return str(FREQUENCY_LABELS.get(code, code))


def period_end(frequency: str, today: date) -> date:
    """The last day of the last period ended before ``today``: a Sunday, or a month end.

    >>> period_end("weekly", date(2026, 12, 7)), period_end("weekly", date(2026, 12, 6))
    (datetime.date(2026, 12, 6), datetime.date(2026, 11, 29))
    >>> period_end("monthly", date(2026, 12, 1)), period_end("monthly", date(2026, 12, 31))
    (datetime.date(2026, 11, 30), datetime.date(2026, 11, 30))
    """
    yesterday = today - timedelta(days=1)
    if frequency == "weekly":
        return yesterday - timedelta(days=(yesterday.weekday() + 1) % 7)
    return last_month_end(yesterday)


def may_receive(role: str) -> bool:
    """The reports cover the whole company: a sales user (who sees only their own
    customers) is not offered them."""
    return role != Role.SALES


def eligible_recipients(company: Company) -> list[tuple[int, str, str]]:
    """(user id, user name, email) of the company's users who may receive its reports."""
    return [
        (m.user_id, m.user.username, m.user.email)
        for m in Membership.objects.filter(company=company, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__username")
        if may_receive(m.role)
    ]


# --- the schedules, changed from the settings page --------------------------------------


def do_add_schedule(
    company: Company,
    *,
    report: str,
    frequency: str,
    fmt: str,
    language: str,
    recipients: list[int],
    actor: Actor,
) -> ReportSchedule:
    """Schedule a report (audited). Recipients must be users of the company who may read it."""
    allowed = {uid: name for uid, name, _email in eligible_recipients(company)}
    chosen = [uid for uid in recipients if uid in allowed]
    if not chosen or len(chosen) != len(set(recipients)):
        raise InvalidInputError(
            "bad_recipients",
            "choose at least one recipient among the company's users who have an email address",
        )
    if report not in REPORT_LABELS or frequency not in FREQUENCY_LABELS or fmt not in MIME:
        raise InvalidInputError("bad_schedule", "unknown report, frequency or format")
    if report == "monthly" and frequency != "monthly":
        raise InvalidInputError(
            "monthly_report_monthly", "the monthly credit report is sent every month"
        )
    with transaction.atomic():
        schedule = ReportSchedule.objects.create(
            company=company,
            report=report,
            frequency=frequency,
            format=fmt,
            language=language if language in LANGUAGE_LABELS else "fr",
            created_by=actor.username[:150],
        )
        schedule.recipients.set(chosen)
        record(
            "report_scheduled",
            actor=actor,
            company_id=company.pk,
            object_type="report_schedule",
            object_ref=str(schedule.pk),
            after=_audit_values(schedule, [allowed[uid] for uid in chosen]),
        )
    return schedule


def _audit_values(schedule: ReportSchedule, names: list[str]) -> dict[str, str]:
    return {
        "report": schedule.report,
        "frequency": schedule.frequency,
        "report_format": schedule.format,
        "report_language": schedule.language,
        "recipients": ", ".join(names),
    }


def do_remove_schedule(company: Company, schedule_id: int, *, actor: Actor) -> None:
    """Stop a schedule (audited); what it sent stays on record."""
    schedule = ReportSchedule.objects.filter(company=company, pk=schedule_id, active=True).first()
    if schedule is None:
        raise NotFoundError("not_found", f"no report schedule {schedule_id}")
    names = list(schedule.recipients.order_by("username").values_list("username", flat=True))
    with transaction.atomic():
        ReportSchedule.objects.filter(pk=schedule.pk).update(active=False)
        record(
            "report_unscheduled",
            actor=actor,
            company_id=company.pk,
            object_type="report_schedule",
            object_ref=str(schedule.pk),
            before=_audit_values(schedule, names),
        )


# --- what is due ----------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    schedule: ReportSchedule
    period_end: date


def due_reports(now: datetime) -> list[Due]:
    """Active schedules whose last ended period is due (the company's run hour reached on
    the day after it) and not yet queued."""
    local = timezone.localtime(now)
    out = []
    schedules = ReportSchedule.objects.filter(active=True).select_related("company")
    for schedule in schedules.order_by("pk"):
        end = period_end(schedule.frequency, local.date())
        made_on = timezone.localtime(schedule.created_at).date()
        if end < made_on or local.time().replace(tzinfo=None) < schedule.company.daily_run_hour:
            continue
        out.append(Due(schedule, end))
    taken = set(
        ReportDispatch.objects.filter(
            schedule_id__in=[d.schedule.pk for d in out],
            period_end__in={d.period_end for d in out},
        ).values_list("schedule_id", "period_end")
    )
    return [d for d in out if (d.schedule.pk, d.period_end) not in taken]


# --- rendering and sending ------------------------------------------------------------


def render_report(schedule: ReportSchedule, day: date) -> tuple[str, bytes]:
    """The schedule's report at ``day`` (the period's last day): file name and content."""
    company, fmt, language = schedule.company, schedule.format, schedule.language
    if schedule.report == "aging":
        aging = aging_report(company, day)
        body = reports_render.aging_pdf(aging) if fmt == "pdf" else reports_render.aging_xlsx(aging)
        return f"aging-{day.isoformat()}.{fmt}", body
    if schedule.report == "kpis":
        document = kpi_document(company, day, language)
        name = f"kpis-{day.isoformat()}.{fmt}"
    else:
        document = management_report(company, last_month_end(day), language)
        name = render.report_file_name(document, fmt)
    body = render.report_pdf(document) if fmt == "pdf" else render.report_xlsx(document)
    return name, body


def _email(
    schedule: ReportSchedule, day: date, to: str, attached: tuple[str, bytes]
) -> EmailMessage:
    company = schedule.company
    sender = company.sender_email or _default_sender()
    with translation.override(schedule.language):
        subject = _("%(report)s of %(day)s – %(company)s") % {
            "report": report_label(schedule.report),
            "day": day.strftime("%d/%m/%Y"),
            "company": company.name,
        }
        body = _(
            "Please find attached: %(report)s, %(company)s, at %(day)s.\n\n"
            "This report is sent %(frequency)s; the company's settings page changes or "
            "stops it."
        ) % {
            "report": report_label(schedule.report),
            "company": company.name,
            "day": day.strftime("%d/%m/%Y"),
            "frequency": frequency_label(schedule.frequency),
        }
    email = EmailMessage()
    email["From"] = formataddr((f"creditpilot – {company.name}", sender))
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = format_datetime(timezone.now())
    email["Message-ID"] = make_msgid(idstring=f"cprep{schedule.pk}", domain=sender.split("@")[-1])
    email.set_content(body + "\n")
    name, content = attached
    maintype, subtype = MIME[schedule.format]
    email.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return email


def _default_sender() -> str:
    return os.environ.get(MAIL_FROM_ENV, "").strip() or DEFAULT_SENDER


class NoMailServerError(Exception):
    """No SMTP server configured: the report cannot go."""


def do_send_dispatch(dispatch_id: int) -> str:
    """Render the dispatch's report and send it to each recipient not yet served."""
    dispatch = ReportDispatch.objects.select_related("schedule__company").get(pk=dispatch_id)
    if dispatch.status == ReportDispatch.Status.SENT:
        return f"already sent on {dispatch.sent_at}"
    server = configured_server()
    if server is None:
        raise NoMailServerError("no SMTP server configured (CREDITPILOT_SMTP_URL): not sent")
    schedule = dispatch.schedule
    wanted = {uid for uid in schedule.recipients.values_list("pk", flat=True)}
    addresses = [
        email for uid, _name, email in eligible_recipients(schedule.company) if uid in wanted
    ]
    done = [a for a in dispatch.recipients.split(",") if a]
    attached = render_report(schedule, dispatch.period_end)
    smtp = server.connect()
    try:
        for address in addresses:
            if address in done:
                continue
            smtp.send_message(_email(schedule, dispatch.period_end, address, attached))
            done.append(address)
            ReportDispatch.objects.filter(pk=dispatch.pk).update(recipients=",".join(done)[:2000])
    finally:
        smtp.quit()
    ReportDispatch.objects.filter(pk=dispatch.pk).update(
        status=ReportDispatch.Status.SENT, sent_at=timezone.now(), message=""
    )
    return f"{report_label(schedule.report)} of {dispatch.period_end} sent to {len(done)}"


def mark_failed(dispatch_id: int, reason: str) -> None:
    ReportDispatch.objects.filter(pk=dispatch_id).update(
        status=ReportDispatch.Status.FAILED, message=reason[:1000]
    )
