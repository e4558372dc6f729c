"""The reports page (the monthly credit report, the D441-6 table, the KPI history), the
dashboard's KPI history charts, and the scheduled reports of the settings page.

The reports cover the whole company: a sales user, who sees only their own customers,
does not reach them (404, as the imports).
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.collections.statutory import late_invoice_table, table_pdf, table_xlsx
from creditpilot.companies.models import Company
from creditpilot.core.errors import CreditPilotError
from creditpilot.core.money import format_cents
from creditpilot.steering.history import last_month_end
from creditpilot.steering.models import KpiSnapshot, ReportDispatch, ReportSchedule
from creditpilot.steering.monthly import NotAMonthEndError, management_report
from creditpilot.steering.render import report_file_name, report_pdf, report_xlsx
from creditpilot.steering.schedules import (
    FREQUENCY_LABELS,
    LANGUAGE_LABELS,
    REPORT_LABELS,
    eligible_recipients,
    frequency_label,
    report_label,
)
from creditpilot.web.access import company_view

CHOSEN_MONTHS = 24  # month ends offered for the monthly report
HISTORY_MONTHS = 24  # month ends on the dashboard's history charts
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = [("pdf", "PDF"), ("xlsx", "XLSX")]


def whole_company(scope: Scope) -> None:
    if scope.own_customers_only:
        raise Http404("company reports")


def month_end_choices(today: date, count: int = CHOSEN_MONTHS) -> list[date]:
    """The last ``count`` month ends before ``today``, the latest first.

    >>> month_end_choices(date(2026, 3, 5), 3)
    [datetime.date(2026, 2, 28), datetime.date(2026, 1, 31), datetime.date(2025, 12, 31)]
    """
    out = [last_month_end(today - timedelta(days=1))]
    while len(out) < count:
        out.append(out[-1].replace(day=1) - timedelta(days=1))
    return out


class MonthlyReportForm(forms.Form):
    month_end = forms.DateField(label=gettext_lazy("Month end"))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMATS)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=list(LANGUAGE_LABELS.items())
    )


class StatutoryForm(forms.Form):
    year_end = forms.DateField(
        label=gettext_lazy("Fiscal year end"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMATS)


def _last_year_end(today: date) -> date:
    return date(today.year - 1, 12, 31)


def _reports_context(
    scope: Scope, monthly: MonthlyReportForm, statutory: StatutoryForm
) -> dict[str, object]:
    today = timezone.localdate()
    snapshots = KpiSnapshot.objects.filter(company=scope.company, group_by="company").order_by(
        "-month_end"
    )[:CHOSEN_MONTHS]
    return {
        "monthly": monthly,
        "statutory": statutory,
        "month_ends": month_end_choices(today),
        "history": list(snapshots),
        "can_schedule": scope.can(Action.EDIT_SETTINGS),
    }


def _monthly_form(request: HttpRequest) -> MonthlyReportForm:
    today = timezone.localdate()
    language = (get_language() or "fr")[:2]
    initial = {
        "month_end": month_end_choices(today, 1)[0].isoformat(),
        "format": "pdf",
        "language": language if language in LANGUAGE_LABELS else "fr",
    }
    return MonthlyReportForm(request.GET if "month_end" in request.GET else None, initial=initial)


@company_view()
def reports_page(request: HttpRequest, scope: Scope) -> HttpResponse:
    whole_company(scope)
    return _page(request, scope)


def _page(request: HttpRequest, scope: Scope) -> HttpResponse:
    statutory = StatutoryForm(
        initial={"year_end": _last_year_end(timezone.localdate()), "format": "pdf"}
    )
    return render(
        request, "web/reports.html", _reports_context(scope, _monthly_form(request), statutory)
    )


def _attachment(body: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@company_view()
def monthly_report(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The monthly credit report, downloaded (``?month_end=&format=&language=``)."""
    whole_company(scope)
    if "month_end" not in request.GET:  # nothing asked yet: the page and its forms
        return _page(request, scope)
    form = MonthlyReportForm(request.GET)
    statutory = StatutoryForm(
        initial={"year_end": _last_year_end(timezone.localdate()), "format": "pdf"}
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = management_report(scope.company, data["month_end"], data["language"])
        except NotAMonthEndError:
            form.add_error("month_end", _month_end_error(data["month_end"]))
        else:
            fmt = data["format"]
            body = report_pdf(report) if fmt == "pdf" else report_xlsx(report)
            return _attachment(body, fmt, report_file_name(report, fmt))
    context = _reports_context(scope, form, statutory)
    return render(request, "web/reports.html", context, status=400)


def _month_end_error(day: date) -> str:
    return _("%(day)s is not the last day of a month.") % {"day": day.strftime("%d/%m/%Y")}


@company_view()
def statutory_table(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The D441-6 late-invoice table, downloaded (``?year_end=&format=``)."""
    whole_company(scope)
    if "year_end" not in request.GET:  # nothing asked yet: the page and its forms
        return _page(request, scope)
    form = StatutoryForm(request.GET)
    if form.is_valid():
        day, fmt = form.cleaned_data["year_end"], form.cleaned_data["format"]
        try:
            table = late_invoice_table(scope.company, day)
        except CreditPilotError:
            form.add_error(
                "year_end",
                _(
                    "No sales in the fiscal year ending %(day)s: the table's shares of the "
                    "year's sales cannot be computed."
                )
                % {"day": day.strftime("%d/%m/%Y")},
            )
        else:
            body = table_pdf(table, scope.company) if fmt == "pdf" else table_xlsx(table)
            return _attachment(body, fmt, f"d441-6-{day.isoformat()}.{fmt}")
    context = _reports_context(scope, _monthly_form(request), form)
    return render(request, "web/reports.html", context, status=400)


# --- the dashboard's history charts -------------------------------------------------------


def history_chart(company: Company) -> dict[str, object]:
    """The last month ends' KPIs of the company, each segment and each sales rep, for the
    dashboard's charts (days as numbers, amounts as exact decimal strings)."""
    latest = (
        KpiSnapshot.objects.filter(company=company, group_by="company")
        .order_by("-month_end")
        .values_list("month_end", flat=True)[:HISTORY_MONTHS]
    )
    days = sorted(latest)
    if not days:
        return {"groups": [], "series": {}}
    series: dict[str, dict[str, list[object]]] = {}
    rows = KpiSnapshot.objects.filter(company=company, month_end__gte=days[0]).order_by(
        "group_by", "group_key", "month_end"
    )
    for snap in rows:
        key = f"{snap.group_by}:{snap.group_key}"
        s = series.setdefault(key, {n: [None] * len(days) for n in SERIES})
        i = days.index(snap.month_end)
        overdue = snap.d1_30 + snap.d31_60 + snap.d61_90 + snap.over_90
        for name, value in (
            ("dso", _number(snap.dso)),
            ("best", _number(snap.best_possible_dso)),
            ("add", _number(snap.add)),
            (
                "ratio",
                _number(snap.overdue_ratio * 100) if snap.overdue_ratio is not None else None,
            ),
            ("total", format_cents(snap.total)),
            ("overdue", format_cents(overdue)),
            ("loss", format_cents(snap.expected_loss) if snap.expected_loss is not None else None),
        ):
            s[name][i] = value
    return {
        "dates": [d.isoformat() for d in days],
        "groups": [{"key": k, "label": _group_label(k)} for k in series],
        "series": series,
        "backfilled": [
            d.isoformat()
            for d in KpiSnapshot.objects.filter(
                company=company, group_by="company", backfilled=True, month_end__in=days
            ).values_list("month_end", flat=True)
        ],
    }


SERIES = ("dso", "best", "add", "ratio", "total", "overdue", "loss")


def _number(value: object) -> float | None:
    # days and percentages for the line chart: plain numbers, not money
    return None if value is None else float(str(value))


def _group_label(key: str) -> str:
    group_by, name = key.split(":", 1)
    if group_by == "company":
        return _("The whole company")
    shown = name or _("(none)")
    if group_by == "segment":
        return _("Segment: %(name)s") % {"name": shown}
    return _("Sales rep: %(name)s") % {"name": shown}


# --- scheduled reports on the settings page -----------------------------------------------


class ScheduleForm(forms.Form):
    report = forms.ChoiceField(label=gettext_lazy("Report"))
    frequency = forms.ChoiceField(label=gettext_lazy("Sent"))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMATS)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=list(LANGUAGE_LABELS.items())
    )
    recipients = forms.TypedMultipleChoiceField(
        label=gettext_lazy("To"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one recipient.")},
    )

    def __init__(self, *args: object, company: Company, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["report"].choices = [(k, str(v)) for k, v in REPORT_LABELS.items()]
        self.fields["frequency"].choices = [(k, str(v)) for k, v in FREQUENCY_LABELS.items()]
        self.fields["recipients"].choices = [
            (uid, f"{name} ({email})") for uid, name, email in eligible_recipients(company)
        ]

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if data.get("report") == "monthly" and data.get("frequency") == "weekly":
            self.add_error("frequency", _("The monthly credit report is sent every month."))
        return data


def schedules_context(scope: Scope, form: ScheduleForm | None = None) -> dict[str, object]:
    """What the settings page shows of the scheduled reports."""
    if scope.own_customers_only:
        return {"schedules": None}
    schedules = list(
        ReportSchedule.objects.filter(company=scope.company, active=True).prefetch_related(
            "recipients"
        )
    )
    last = {}
    for d in ReportDispatch.objects.filter(schedule__in=schedules).order_by("period_end"):
        last[d.schedule_id] = d
    rows = [
        {
            "id": s.pk,
            "report": report_label(s.report),
            "frequency": frequency_label(s.frequency),
            "format": s.format.upper(),
            "language": LANGUAGE_LABELS.get(s.language, s.language),
            "recipients": ", ".join(u.username for u in s.recipients.all()),
            "last": last.get(s.pk),
        }
        for s in schedules
    ]
    return {
        "schedules": rows,
        "schedule_form": form
        or ScheduleForm(
            company=scope.company,
            initial={"format": "pdf", "language": (get_language() or "fr")[:2]},
        ),
    }
