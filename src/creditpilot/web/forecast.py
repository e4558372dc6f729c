"""The "Prévisions" page: the cash-in forecast by week and by month with its band, split by
rating, segment and customer, and how the past weeks' forecasts compared with what came in.

The page reads the forecast the daily run kept (on the page's date, else the last one of the
week before); without any, it is computed for the page, not kept. A sales rep sees the
forecast of their own customers only, computed from the kept run's invoices, and no accuracy
(the company's collections)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from creditpilot.accounts.scope import Scope
from creditpilot.forecast.cashin import forecast_for
from creditpilot.forecast.models import ForecastRun
from creditpilot.forecast.services import accuracy, latest_run, run_forecast
from creditpilot.web.access import company_view
from creditpilot.web.views import as_of_of

TOP = 20


def _cents(text: str) -> int:
    return int(Decimal(text) * 100)


def _periods(periods: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "start": date.fromisoformat(p["start"]),
            "end": date.fromisoformat(p["end"]),
            "expected": _cents(p["expected"]),
            "low": _cents(p["low"]),
            "high": _cents(p["high"]),
        }
        for p in periods
    ]


def _groups(groups: list[dict[str, Any]], label: dict[str, str] | None = None) -> list[dict]:
    rows = []
    for g in groups:
        weeks = _periods(g["weeks"])
        months = _periods(g["months"])
        name = (label or {}).get(g["key"], g["key"]) if label is not None else g["name"]
        rows.append(
            {
                "key": g["key"],
                "name": name or _("none"),
                "open": _cents(g["open"]),
                "weeks_total": sum(p["expected"] for p in weeks),
                "months_total": sum(p["expected"] for p in months),
                "first_month": months[0]["expected"] if months else 0,
            }
        )
    return rows


def forecast_summary(scope: Scope, as_of: date) -> tuple[dict[str, Any] | None, ForecastRun | None]:
    """The forecast the page shows (the summary's JSON) and the kept run it comes from."""
    run = latest_run(scope.company, as_of)
    if scope.own_customers_only:
        if run is None:
            return None, None
        ids = set(scope.customers().values_list("id", flat=True))
        return run_forecast(run, ids).as_json(), run
    if run is not None:
        return run.summary, run
    return forecast_for(scope.company, as_of).as_json(customers=TOP), None


def chart_data(summary: dict[str, Any], currency: str) -> dict[str, Any]:
    """The weeks for the chart: amounts as exact decimal strings, read as numbers."""
    return {
        "weeks": [p["start"] for p in summary["weeks"]],
        "expected": [p["expected"] for p in summary["weeks"]],
        "low": [p["low"] for p in summary["weeks"]],
        "high": [p["high"] for p in summary["weeks"]],
        "currency": currency,
    }


@company_view()
def forecast_page(request: HttpRequest, scope: Scope) -> HttpResponse:
    as_of = as_of_of(request)
    summary, run = forecast_summary(scope, as_of)
    context: dict[str, Any] = {"as_of": as_of, "summary": summary, "run": run}
    if summary is not None:
        no_rating = {"": _("not rated")}
        context |= {
            "weeks": _periods(summary["weeks"]),
            "months": _periods(summary["months"]),
            "open": _cents(summary["open"]),
            "later": _cents(summary["later"]),
            "by_rating": _groups(summary["by_rating"], no_rating),
            "by_segment": _groups(summary["by_segment"], {"": _("no segment")}),
            "by_customer": _groups(summary["by_customer"][:TOP]),
            "method": summary["method"],
            "n_train": summary["n_train"],
            "forecast_chart": chart_data(summary, scope.company.currency),
            "weeks_total": sum(_cents(p["expected"]) for p in summary["weeks"]),
        }
    if not scope.own_customers_only:
        context["accuracy"] = [
            {
                "start": row.start,
                "end": row.end,
                "made_on": row.made_on,
                "expected": int(row.expected * 100),
                "low": int(row.low * 100),
                "high": int(row.high * 100),
                "actual": int(row.actual * 100),
                "within": row.within_band,
            }
            for row in accuracy(scope.company, as_of)
        ]
    return render(request, "web/forecast.html", context)
