"""Pages: sign-in landing, portfolio, dashboard, settings, audit log, language.

Every company page goes through ``company_view`` (``web/access.py``): the
user's scope is resolved from the URL, and every query below starts from it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.models import Profile
from creditpilot.accounts.rights import Action, Role, role_label
from creditpilot.accounts.scope import Scope, memberships_of
from creditpilot.accounts.services import do_add_user, do_revoke
from creditpilot.audit.models import AuditEvent
from creditpilot.core import kpis
from creditpilot.core.aging import ALL_BUCKETS
from creditpilot.core.errors import CreditPilotError, NotFoundError
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.forecast.services import latest_run
from creditpilot.receivables.company_settings import LETTERHEAD_FIELDS, do_update_company_settings
from creditpilot.reports.models import CustomerPosition, PositionSnapshot
from creditpilot.reports.positions import BUCKET_FIELDS, kpi_trend, kpis_at, positions
from creditpilot.steering.schedules import do_add_schedule, do_remove_schedule
from creditpilot.web.access import CURRENT_COMPANY_KEY, company_view
from creditpilot.web.forms import CompanySettingsForm, GrantForm, terms_in_form
from creditpilot.web.middleware import LANGUAGE_SESSION_KEY
from creditpilot.web.policy import policy_context
from creditpilot.web.portal_links import portal_settings_context
from creditpilot.web.steering import ScheduleForm, history_chart, schedules_context, whole_company
from creditpilot.web.tokens import token_rows
from creditpilot.web.wording import describe_event


def as_of_of(request: HttpRequest) -> date:
    """The page's date: ``?as_of=YYYY-MM-DD``, else today (Paris time)."""
    raw = request.GET.get("as_of", "")
    try:
        return date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def bucket_labels() -> dict[str, str]:
    return {
        "not_due": _("Not due"),
        "1_30": _("1-30 days"),
        "31_60": _("31-60 days"),
        "61_90": _("61-90 days"),
        "over_90": _("Over 90 days"),
        "unapplied": _("Unapplied"),
    }


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = list(memberships_of(request.user))
    if not memberships:
        return render(request, "web/no_company.html")
    if len(memberships) > 1:
        return redirect("portfolio")
    return redirect("dashboard", company=memberships[0].company.code)


def scoped_positions(scope: Scope, snap: PositionSnapshot):  # type: ignore[no-untyped-def]
    """The positions of the customers the user sees (the snapshot is the company's)."""
    qs = CustomerPosition.objects.filter(snapshot=snap)
    if scope.own_customers_only:
        qs = qs.filter(sales_rep=scope.sales_rep)
    return qs


def position_totals(scope: Scope, snap: PositionSnapshot) -> dict[str, int]:
    if not scope.own_customers_only and "_buckets" in snap.kpis:
        out = {bucket: int(snap.kpis["_buckets"][bucket]) for bucket in BUCKET_FIELDS}
    else:
        fields = list(BUCKET_FIELDS.values())
        sums = scoped_positions(scope, snap).aggregate(
            **{f: Coalesce(Sum(f), Value(0)) for f in fields}
        )
        out = {bucket: int(sums[field]) for bucket, field in BUCKET_FIELDS.items()}
    out["total"] = sum(out[b] for b in BUCKET_FIELDS)
    out["overdue"] = out["1_30"] + out["31_60"] + out["61_90"] + out["over_90"]
    out["unapplied_cash"] = -out["unapplied"]  # credits not matched: shown as cash received
    # the same rule and rounding as ``report kpis``
    out["overdue_ratio"] = kpis.format_ratio(kpis.overdue_ratio(out))  # type: ignore[assignment]
    return out


def portfolio(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    today = as_of_of(request)
    month_end = last_full_month_end(today)
    rows = []
    for membership in memberships_of(request.user):
        scope = Scope(request.user, membership.company, Role(membership.role), membership.sales_rep)
        snap = positions(scope.company, today)
        rows.append(
            {
                "company": scope.company,
                "role": membership.role,
                "totals": position_totals(scope, snap),
                "kpis": None if scope.own_customers_only else snap.kpis,
                "cei": None
                if scope.own_customers_only
                else kpis_at(scope.company, month_end).get("cei"),
            }
        )
    context = {"rows": rows, "as_of": today, "cei_month": month_end}
    return render(request, "web/portfolio.html", context)


def last_full_month_end(as_of: date) -> date:
    """The last day of the last month complete at ``as_of`` (``as_of`` itself on a month's end).

    >>> last_full_month_end(date(2026, 12, 3)), last_full_month_end(date(2026, 11, 30))
    (datetime.date(2026, 11, 30), datetime.date(2026, 11, 30))
    """
    if (as_of + timedelta(days=1)).day == 1:
        return as_of
    return as_of.replace(day=1) - timedelta(days=1)


def last_full_month_cei(as_of: date, trend: list[dict]) -> dict[str, object] | None:
    """The CEI of the last full month at ``as_of`` (its month when ``as_of`` is a month's last
    day), read from the trend's month ends: ``{"month": date, "value": "72.3"}``.

    >>> last_full_month_cei(date(2026, 12, 3), [{"as_of": "2026-11-30", "cei": "72.3"},
    ...                                         {"as_of": "2026-12-03", "cei": "7.2"}])
    {'month': datetime.date(2026, 11, 30), 'value': '72.3'}
    >>> last_full_month_cei(date(2026, 6, 30), [{"as_of": "2026-05-31", "cei": "80.0"},
    ...                                         {"as_of": "2026-06-30", "cei": "64.1"}])
    {'month': datetime.date(2026, 6, 30), 'value': '64.1'}
    """
    month_end = last_full_month_end(as_of)
    for kpis_at_end in trend:
        if kpis_at_end.get("as_of") == month_end.isoformat():
            return {"month": month_end, "value": kpis_at_end.get("cei")}
    return None


@company_view()
def dashboard(request: HttpRequest, scope: Scope) -> HttpResponse:
    as_of = as_of_of(request)
    company = scope.company
    # the trend first: it computes the day's KPIs, which the positions then reuse
    trend = [] if scope.own_customers_only else kpi_trend(company, as_of)
    snap = positions(company, as_of)
    totals = position_totals(scope, snap)
    mine = scoped_positions(scope, snap)
    top = list(mine.filter(total__gt=0).order_by("-total", "customer_id")[:10])
    increases = list(
        mine.filter(overdue_change__gt=0).order_by("-overdue_change", "customer_id")[:10]
    )
    labels = bucket_labels()
    chart = {
        "buckets": [labels[b] for b in ALL_BUCKETS if b != "unapplied"],
        # amounts as exact decimal strings (the chart reads them as numbers)
        "amounts": [format_cents(totals[b]) for b in ALL_BUCKETS if b != "unapplied"],
        "trend_dates": [k["as_of"] for k in trend],
        # days, not money: plain numbers for the line chart
        "trend_dso": [float(k["dso"]) if k.get("dso") else None for k in trend],
        "trend_best": [
            float(k["best_possible_dso"]) if k.get("best_possible_dso") else None for k in trend
        ],
        "currency": company.currency,
    }
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    context = {
        "as_of": as_of,
        "totals": totals,
        "kpis": None if scope.own_customers_only else snap.kpis,
        "cei": last_full_month_cei(as_of, trend),
        "buckets": [(labels[b], totals[b], b) for b in ALL_BUCKETS],
        "top": top,
        "increases": increases,
        "imports_today": list(scope.imports().filter(created_at__gte=start)[:20]),
        "chart": chart,
        "history": None if scope.own_customers_only else history_chart(company),
        "forecast_chart": _forecast_chart(scope, as_of),
    }
    return render(request, "web/dashboard.html", context)


def _forecast_chart(scope: Scope, as_of: date) -> dict[str, Any] | None:
    """The weeks of the forecast the daily run kept (none for a sales rep: the company's)."""
    if scope.own_customers_only:
        return None
    run = latest_run(scope.company, as_of)
    if run is None or not run.summary.get("weeks"):
        return None
    weeks = run.summary["weeks"]
    return {
        "weeks": [p["start"] for p in weeks],
        "expected": [p["expected"] for p in weeks],
        "low": [p["low"] for p in weeks],
        "high": [p["high"] for p in weeks],
        "currency": scope.company.currency,
    }


@company_view(post_action=Action.EDIT_SETTINGS)
def company_settings(request: HttpRequest, scope: Scope) -> HttpResponse:
    company = scope.company
    if request.method == "POST":
        form = CompanySettingsForm(request.POST)
        if form.is_valid():
            # the letterhead changes only when the form sent it (an older form does not)
            changes = {
                k: v
                for k, v in form.cleaned_data.items()
                if k not in LETTERHEAD_FIELDS or k in request.POST
            }
            changed = do_update_company_settings(
                company, changes, actor=actor_of(request.user, request)
            )
            messages.success(request, _("Settings saved.") if changed else _("Nothing changed."))
            return redirect("settings", company=company.code)
        return settings_page(request, scope, form=form)
    return settings_page(request, scope)


def settings_page(
    request: HttpRequest,
    scope: Scope,
    *,
    form: CompanySettingsForm | None = None,
    schedule_form: ScheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    company = scope.company
    if form is None:
        form = CompanySettingsForm(
            initial={
                "name": company.name,
                "default_terms": terms_in_form(company.default_terms),
                "due_dates_on_business_days": company.due_dates_on_business_days,
                "daily_run_hour": company.daily_run_hour,
                **{k: getattr(company, k) for k in LETTERHEAD_FIELDS},
            }
        )
    members = company.memberships.select_related("user").order_by("user__username")
    return render(
        request,
        "web/settings.html",
        {
            "form": form,
            "can_edit": scope.can(Action.EDIT_SETTINGS),
            "members": members if scope.can(Action.MANAGE_USERS) else None,
            **policy_context(scope),
            **portal_settings_context(scope),
            **schedules_context(scope, schedule_form),
        },
        status=status,
    )


@company_view(Action.EDIT_SETTINGS, methods=("POST",))
def schedule_add(request: HttpRequest, scope: Scope) -> HttpResponse:
    """Schedule a report by email (settings page); the form comes back with its errors."""
    whole_company(scope)
    form = ScheduleForm(request.POST, company=scope.company)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_add_schedule(
                scope.company,
                report=data["report"],
                frequency=data["frequency"],
                fmt=data["format"],
                language=data["language"],
                recipients=data["recipients"],
                actor=actor_of(request.user, request),
            )
        except CreditPilotError as err:
            form.add_error("recipients", str(err))
        else:
            messages.success(request, _("The report is scheduled."))
            return redirect(reverse("settings", args=[scope.company.code]) + "#reports")
    return settings_page(request, scope, schedule_form=form, status=400)


@company_view(Action.EDIT_SETTINGS, methods=("POST",))
def schedule_stop(request: HttpRequest, scope: Scope, schedule: int) -> HttpResponse:
    whole_company(scope)
    try:
        do_remove_schedule(scope.company, schedule, actor=actor_of(request.user, request))
    except NotFoundError as err:
        raise Http404("schedule") from err
    messages.success(request, _("The scheduled report is stopped."))
    return redirect(reverse("settings", args=[scope.company.code]) + "#reports")


@company_view(Action.VIEW_AUDIT)
def audit_log(request: HttpRequest, scope: Scope) -> HttpResponse:
    # the company's events, and the sign-ins of its users
    events = (
        AuditEvent.objects.filter(
            Q(company=scope.company)
            | Q(company__isnull=True, user__memberships__company=scope.company)
        )
        .distinct()
        .order_by("-at", "-id")
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    refs = {e.object_ref for e in page if e.object_type in ("customer", "note")}
    names = dict(
        Customer.objects.filter(company=scope.company, code__in=refs).values_list("code", "name")
    )
    rows = [(e, describe_event(e, names, scope.company.currency)) for e in page]
    return render(request, "web/audit.html", {"page": page, "rows": rows})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The user's language: kept in the session, and in their profile when signed in."""
    language = request.POST.get("language", "")
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = ""
    if language:
        request.session[LANGUAGE_SESSION_KEY] = language
        if request.user.is_authenticated:
            Profile.objects.update_or_create(user=request.user, defaults={"language": language})
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return HttpResponseRedirect(target)


def current_company(request: HttpRequest) -> str | None:
    return request.session.get(CURRENT_COMPANY_KEY)


@company_view(Action.MANAGE_USERS, post_action=Action.MANAGE_USERS)
def users(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The company's users: grant the company to a user (created if new), with a role."""
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = do_add_user(
                data["username"],
                companies=[scope.company],
                role=data["role"],
                sales_rep=data["sales_rep"],
                email=data["email"],
                actor=request.user,
            )
        except CreditPilotError as err:
            form.add_error(None, str(err))
        else:
            if new.password:
                messages.success(
                    request,
                    _("User %(user)s created. Password, shown once: %(password)s")
                    % {"user": new.username, "password": new.password},
                )
            else:
                messages.success(request, _("Access granted to %(user)s.") % {"user": new.username})
            return redirect("users", company=scope.company.code)
    members = scope.company.memberships.select_related("user").order_by("user__username")
    rows = [(m, role_label(m.role)) for m in members]
    context = {"form": form, "rows": rows, "tokens": token_rows(scope.company)}
    return render(request, "web/users.html", context, status=400 if form.errors else 200)


@company_view(Action.MANAGE_USERS, methods=("POST",))
def revoke(request: HttpRequest, scope: Scope, username: str) -> HttpResponse:
    try:
        do_revoke(scope.company, username, actor=request.user)
    except NotFoundError as err:
        raise Http404("membership") from err
    except CreditPilotError as err:
        messages.error(request, str(err))
    else:
        messages.success(request, _("Access of %(user)s revoked.") % {"user": username})
    return redirect("users", company=scope.company.code)
