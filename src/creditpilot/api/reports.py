"""The aged balance and the KPIs, the same JSON as ``creditpilot report aging|kpis --format json``."""

from __future__ import annotations

import json
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from creditpilot.accounts.rights import Action
from creditpilot.api.auth import scope_of
from creditpilot.api.errors import error_responses
from creditpilot.api.params import IsoDate
from creditpilot.api.schemas import Aging, AgingGrouped, Kpis
from creditpilot.core.errors import InvalidInputError
from creditpilot.forecast.services import latest_run, run_forecast
from creditpilot.reports.aging import group_aging
from creditpilot.reports.positions import aging_from_positions, aging_json_bytes, kpis_json_bytes

router = Router(tags=["reports"])


@router.get(
    "/companies/{company}/aging",
    response={200: Aging | AgingGrouped, **error_responses(403, 404, 422)},
    summary="Aged balance at a date (default today), by customer, segment, sales rep or currency",
    description="For the sales role, only the customers of the user's sales rep, and their totals.",
)
def aging(
    request: HttpRequest,
    company: str,
    as_of: IsoDate | None = None,
    by: Literal["customer", "segment", "sales_rep", "currency"] = "customer",
) -> HttpResponse:
    scope = scope_of(request, company)
    scope.require(Action.VIEW)
    sales_rep = scope.sales_rep if scope.own_customers_only else None
    day = as_of or timezone.localdate()
    # from the cached positions, rendered once per snapshot: the figures of ``report aging``
    if by == "customer":
        body = aging_json_bytes(scope.company, day, sales_rep=sales_rep)
    else:
        report = aging_from_positions(scope.company, day, sales_rep)
        body = json.dumps(group_aging(report, by).as_json()).encode()
    return HttpResponse(body, content_type="application/json")


@router.get(
    "/companies/{company}/kpis",
    response={200: Kpis, **error_responses(403, 404, 422)},
    summary="DSO, best possible DSO, ADD, overdue ratio, CEI at a date (default today)",
    description="Company-wide figures: not for a role that sees only its own customers.",
)
def kpis(request: HttpRequest, company: str, as_of: IsoDate | None = None) -> HttpResponse:
    scope = scope_of(request, company)
    scope.require(Action.VIEW)
    if scope.own_customers_only:
        raise PermissionDenied("kpis")
    # from the day's cached snapshot, like the aging: the figures of ``report kpis``
    body = kpis_json_bytes(scope.company, as_of or timezone.localdate())
    return HttpResponse(body, content_type="application/json")


@router.get(
    "/companies/{company}/forecast",
    response={200: dict[str, Any], **error_responses(403, 404, 422)},
    summary="The cash-in forecast the daily run kept (13 weeks, 6 months, 80 % bands)",
    description=(
        "The JSON of `creditpilot report forecast --format json`, as kept by the daily run on "
        "`as_of` or in the week before it (a sales rep's: their own customers only). "
        "Without a kept forecast the answer is a 422 `no_forecast`: run the day first."
    ),
)
def forecast(request: HttpRequest, company: str, as_of: IsoDate | None = None) -> dict[str, Any]:
    scope = scope_of(request, company)
    scope.require(Action.VIEW)
    as_of = as_of or timezone.localdate()
    run = latest_run(scope.company, as_of)
    if run is None:
        raise InvalidInputError(
            "no_forecast", f"no forecast kept on {as_of.isoformat()} or in the week before"
        )
    if scope.own_customers_only:
        ids = set(scope.customers().values_list("id", flat=True))
        return run_forecast(run, ids).as_json()
    return dict(run.summary)
