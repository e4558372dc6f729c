"""Negotiation and litigation over the API: payment plans, litigation cases and their
statement of claim, the doubtful-debt provisions and their month-end approval.

Each route is scoped like the pages: a sales rep reaches only their own customers' plans and
cases, and the provisions of their own customers; every change is audited by the service
it calls.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any, Literal

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.api.auth import scope_of, user_of
from creditpilot.api.errors import error_responses
from creditpilot.api.params import IsoDate, PlainText
from creditpilot.api.schemas import AMOUNT, POSITIVE
from creditpilot.collections.litigation import (
    do_case_money,
    do_close_case,
    do_move_case,
    do_open_case,
    statement_of_claim,
)
from creditpilot.collections.models import LitigationCase, PaymentPlan
from creditpilot.collections.plans import do_add_plan
from creditpilot.core.money import format_cents, to_cents
from creditpilot.customers.models import Customer
from creditpilot.risk.models import ProvisionRun
from creditpilot.risk.provisions import do_approve_provisions, provisions, provisions_json

router = Router(tags=["litigation"])
Stage = Literal[
    "amicable", "formal_notice", "order_for_payment", "summary_proceedings",
    "collection_agency", "lawyer", "insolvency_claim",
]  # fmt: skip
Outcome = Literal["recovered", "settled", "written_off"]


class InstalmentIn(Schema):
    date: IsoDate
    amount: str = Field(**POSITIVE)


class PlanIn(Schema):
    instalments: list[InstalmentIn] = Field(min_length=1, max_length=120)
    items: list[PlainText] = Field(
        default_factory=list, max_length=500, description="empty: every open item"
    )
    interest: str = Field("0.00", **POSITIVE)
    note: PlainText = Field("", max_length=1000)


class InstalmentOut(Schema):
    date: dt.date
    due: str = Field(**AMOUNT, description="the plan's running total due by this date")
    status: str


class PlanOut(Schema):
    id: int
    customer: str
    status: str
    agreed_on: dt.date
    total: str = Field(**AMOUNT)
    interest: str = Field(**AMOUNT)
    items: list[str]
    instalments: list[InstalmentOut]


class Plans(Schema):
    customer: str
    plans: list[PlanOut]


class CaseIn(Schema):
    items: list[PlainText] = Field(
        default_factory=list, max_length=500, description="empty: every past-due item"
    )
    stage: Stage = "amicable"
    note: PlainText = Field("", max_length=1000)


class CaseChange(Schema):
    stage: Stage | None = None
    published: IsoDate | None = Field(
        None, description="the BODACC publication, for an insolvency claim"
    )
    costs: str | None = Field(None, **POSITIVE, description="costs to add")
    recovered: str | None = Field(None, **POSITIVE, description="recoveries to add")
    outcome: Outcome | None = Field(None, description="closes the case")
    note: PlainText = Field("", max_length=1000)


class CaseOut(Schema):
    id: int
    customer: str
    stage: str
    opened_on: dt.date
    deadline: dt.date | None
    costs: str = Field(**AMOUNT)
    recovered: str = Field(**AMOUNT)
    outcome: str
    closed_on: dt.date | None
    items: list[str]


class Cases(Schema):
    customer: str
    cases: list[CaseOut]


class ClaimItem(Schema):
    number: str
    date: dt.date
    due_date: dt.date
    open: str = Field(**AMOUNT)
    days_late: int
    interest: str = Field(**AMOUNT)
    indemnity: str = Field(**AMOUNT)


class ClaimOut(Schema):
    case: int
    customer: str
    as_of: dt.date
    stage: str
    items: list[ClaimItem]
    principal: str = Field(**AMOUNT)
    interest: str = Field(**AMOUNT)
    indemnity: str = Field(**AMOUNT)
    total: str = Field(**AMOUNT)
    reminders: list[dict[str, Any]]


class AsOfQuery(Schema):
    as_of: IsoDate | None = None


class ProvisionItem(Schema):
    customer: str
    number: str
    date: dt.date
    due_date: dt.date
    days_past_due: int
    open: str = Field(**AMOUNT)
    open_excl_vat: str = Field(**AMOUNT)
    vat_known: bool
    rate: str
    provision: str = Field(**AMOUNT)
    reason: Literal["proceedings", "litigation", "over_365", "over_180"]


class ProvisionsOut(Schema):
    as_of: dt.date
    currency: str
    total_open_excl_vat: str = Field(**AMOUNT)
    total_provision: str = Field(**AMOUNT)
    items: list[ProvisionItem]


class RunLine(Schema):
    customer: str
    number: str
    due_date: dt.date
    days_past_due: int
    open_excl_vat: str = Field(**AMOUNT)
    percent: int
    provision: str = Field(**AMOUNT)
    reason: str


class WriteOffLine(Schema):
    customer: str
    number: str
    day: dt.date = Field(description="the day its case closed written off")
    open: str = Field(**AMOUNT)
    open_excl_vat: str = Field(**AMOUNT, description="the loss (654)")
    vat: str = Field(**AMOUNT, description="the VAT collected given back (445710)")


class ProvisionRunOut(Schema):
    month_end: dt.date
    status: Literal["proposed", "approved"]
    total: str = Field(**AMOUNT)
    approved_by: str
    lines: list[RunLine]
    writeoffs: list[WriteOffLine]


def _plan_json(plan: PaymentPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "customer": plan.customer.code,
        "status": plan.status,
        "agreed_on": plan.agreed_on,
        "total": format_cents(plan.total),
        "interest": format_cents(plan.interest),
        "items": sorted(
            {n for p in plan.instalments.all() for n in p.items.values_list("number", flat=True)}
        ),
        "instalments": [
            {"date": p.promised_date, "due": format_cents(p.amount), "status": p.status}
            for p in sorted(plan.instalments.all(), key=lambda p: p.promised_date)
        ],
    }


def _case_json(case: LitigationCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "customer": case.customer.code,
        "stage": case.stage,
        "opened_on": case.opened_on,
        "deadline": case.deadline,
        "costs": format_cents(case.costs),
        "recovered": format_cents(case.recovered),
        "outcome": case.outcome,
        "closed_on": case.closed_on,
        "items": sorted(case.items.values_list("number", flat=True)),
    }


@router.get(
    "/companies/{company}/customers/{code}/plans",
    response={200: Plans, **error_responses(403, 404)},
    summary="The customer's payment plans, with their instalments",
)
def list_plans(request: HttpRequest, company: str, code: str) -> dict[str, Any]:
    customer = scope_of(request, company).customer(code)
    plans = PaymentPlan.objects.filter(customer=customer).order_by("-agreed_on", "-id")
    return {"customer": customer.code, "plans": [_plan_json(plan) for plan in plans]}


@router.post(
    "/companies/{company}/customers/{code}/plans",
    response={201: PlanOut, **error_responses(403, 404, 413, 415, 422)},
    summary="Agree a payment plan: its items are not dunned while it is kept",
)
def create_plan(
    request: HttpRequest, company: str, code: str, body: PlanIn
) -> tuple[int, dict[str, Any]]:
    scope = scope_of(request, company)
    scope.require(Action.COLLECT)
    customer = scope.customer(code)
    plan = do_add_plan(
        scope.company,
        customer.code,
        [(i.date, to_cents(i.amount)) for i in body.instalments],
        today=timezone.localdate(),
        items=body.items,
        interest=to_cents(body.interest),
        note=body.note,
        username=actor_of(user_of(request), request).username,
    )
    return 201, _plan_json(plan)


@router.get(
    "/companies/{company}/customers/{code}/cases",
    response={200: Cases, **error_responses(403, 404)},
    summary="The customer's litigation cases",
)
def list_cases(request: HttpRequest, company: str, code: str) -> dict[str, Any]:
    customer = scope_of(request, company).customer(code)
    cases = LitigationCase.objects.filter(customer=customer).order_by("-opened_on", "-id")
    return {"customer": customer.code, "cases": [_case_json(case) for case in cases]}


@router.post(
    "/companies/{company}/customers/{code}/cases",
    response={201: CaseOut, **error_responses(403, 404, 413, 415, 422)},
    summary="Open a litigation case on the customer's past-due items",
)
def open_case(
    request: HttpRequest, company: str, code: str, body: CaseIn
) -> tuple[int, dict[str, Any]]:
    scope = scope_of(request, company)
    scope.require(Action.COLLECT)
    customer = scope.customer(code)
    case = do_open_case(
        scope.company,
        customer.code,
        today=timezone.localdate(),
        items=body.items or None,
        stage=body.stage,
        note=body.note,
        username=actor_of(user_of(request), request).username,
    )
    return 201, _case_json(case)


def _case_of(scope: Scope, customer: Customer, case: int) -> LitigationCase:
    found = LitigationCase.objects.filter(company=scope.company, customer=customer, pk=case)
    if not found.exists():
        raise Http404("case")
    return found.get()


@router.patch(
    "/companies/{company}/customers/{code}/cases/{case}",
    response={200: CaseOut, **error_responses(403, 404, 413, 415, 422)},
    summary="Record a case's costs and recoveries, move it to a stage, or close it",
)
def change_case(
    request: HttpRequest, company: str, code: str, case: int, body: CaseChange
) -> dict[str, Any]:
    scope = scope_of(request, company)
    scope.require(Action.COLLECT)
    found = _case_of(scope, scope.customer(code), case)
    who, today = actor_of(user_of(request), request).username, timezone.localdate()
    with transaction.atomic():  # all the changes asked, or none
        if body.costs or body.recovered:
            do_case_money(
                scope.company, found.pk, costs=to_cents(body.costs or "0"),
                recovered=to_cents(body.recovered or "0"), username=who,
            )  # fmt: skip
        if body.stage:
            do_move_case(
                scope.company, found.pk, body.stage, today=today, published_on=body.published,
                note=body.note, username=who,
            )  # fmt: skip
        if body.outcome:
            do_close_case(scope.company, found.pk, body.outcome, today=today, username=who)
    found.refresh_from_db()
    return _case_json(found)


@router.get(
    "/companies/{company}/customers/{code}/cases/{case}/claim",
    response={200: ClaimOut, **error_responses(403, 404, 422)},
    summary="The case's statement of claim: principal, late-payment interest, 40 EUR indemnities",
)
def claim(
    request: HttpRequest, company: str, code: str, case: int, query: Query[AsOfQuery]
) -> dict[str, Any]:
    scope = scope_of(request, company)
    found = _case_of(scope, scope.customer(code), case)
    return statement_of_claim(scope.company, found, query.as_of or timezone.localdate()).as_json()


@router.get(
    "/companies/{company}/provisions",
    response={200: ProvisionsOut, **error_responses(403, 404, 422)},
    summary="The doubtful-debt provisions at a date (SPEC §3), as `report provisions` gives them",
)
def provisions_at(request: HttpRequest, company: str, query: Query[AsOfQuery]) -> dict[str, Any]:
    scope = scope_of(request, company)
    report = provisions(scope.company, query.as_of or timezone.localdate())
    if scope.own_customers_only:
        visible = set(scope.customers().values_list("code", flat=True))
        report = replace(report, items=[i for i in report.items if i.customer in visible])
    body: dict[str, Any] = json.loads(provisions_json(report))
    return body


def _run_json(scope: Scope, run: ProvisionRun) -> dict[str, Any]:
    visible = set(scope.customers().values_list("code", flat=True))
    mine = [line for line in run.lines if line["customer"] in visible]
    return {
        "month_end": run.month_end,
        "status": run.status,
        "total": format_cents(sum(line["provision"] for line in mine)),
        "approved_by": run.approved_by,
        "lines": [
            {
                **line,
                "open_excl_vat": format_cents(line["open_excl_vat"]),
                "provision": format_cents(line["provision"]),
            }
            for line in mine
        ],
        "writeoffs": [
            {
                **line,
                **{k: format_cents(line[k]) for k in ("open", "open_excl_vat", "vat")},
            }
            for line in run.writeoffs
            if line["customer"] in visible
        ],
    }


def _run(scope: Scope, month_end: dt.date) -> ProvisionRun:
    run = ProvisionRun.objects.filter(company=scope.company, month_end=month_end).first()
    if run is None:
        raise Http404("provisions")
    return run


@router.get(
    "/companies/{company}/provisions/{month_end}",
    response={200: ProvisionRunOut, **error_responses(403, 404, 422)},
    summary="A month end's proposed or approved provisions, and the month's write-offs",
)
def provision_run(request: HttpRequest, company: str, month_end: IsoDate) -> dict[str, Any]:
    scope = scope_of(request, company)
    return _run_json(scope, _run(scope, month_end))


@router.post(
    "/companies/{company}/provisions/{month_end}/approve",
    response={200: ProvisionRunOut, **error_responses(403, 404, 422)},
    summary="Approve a month end's provisions: its entries are then exported for the accountant",
)
def approve_provisions(request: HttpRequest, company: str, month_end: IsoDate) -> dict[str, Any]:
    scope = scope_of(request, company)
    scope.require(Action.APPROVE_PROVISIONS)
    _run(scope, month_end)
    run = do_approve_provisions(scope.company, month_end, actor_of(user_of(request), request))
    return _run_json(scope, run)
