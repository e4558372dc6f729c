"""Web pages. The full application (sign-in, roles, dashboard) is built on these reports."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from creditpilot.companies.models import Company
from creditpilot.reports.aging import aging_report
from creditpilot.reports.kpis import kpi_report


def home(request: HttpRequest) -> HttpResponse:
    as_of = date.today()
    raw = request.GET.get("as_of")
    if raw:
        try:
            as_of = date.fromisoformat(raw)
        except ValueError:
            pass
    companies = []
    for company in Company.objects.all():
        aging = aging_report(company, as_of)
        companies.append(
            {
                "company": company,
                "aging": aging,
                "kpis": kpi_report(company, as_of).as_json(),
                "top": sorted(aging.customers, key=lambda c: -c.buckets.total)[:15],
            }
        )
    return render(request, "web/home.html", {"companies": companies, "as_of": as_of})
