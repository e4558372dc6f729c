"""Dunning over the API: the day's actions, a customer's timeline, promises, disputes, approvals.

The day's actions are the JSON of ``creditpilot run --as-of DATE --dry-run --format json``,
with the open tasks of the worklist beside them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.api.auth import scope_of, user_of
from creditpilot.api.errors import error_responses
from creditpilot.api.params import IsoDate, PlainText
from creditpilot.api.schemas import AMOUNT
from creditpilot.collections.dunning import dunning_plan
from creditpilot.collections.models import Message
from creditpilot.collections.services import do_add_dispute, do_add_promise, do_close_dispute
from creditpilot.collections.timeline import timeline
from creditpilot.collections.worklist import do_approve_message, worklist
from creditpilot.core.errors import NotFoundError
from creditpilot.core.money import format_cents

router = Router(tags=["dunning"])
Reason = Literal["price", "quantity", "quality", "delivery", "duplicate", "other"]


class ActionOut(Schema):
    customer: str
    step: str
    channel: str
    items: list[str]
    amount: str = Field(**AMOUNT)
    needs_approval: bool


class TaskOut(Schema):
    id: int
    customer: str
    kind: str
    day: dt.date
    amount: str = Field(**AMOUNT)
    expected: str = Field(**AMOUNT, description="amount at stake x chance of payment")
    chance: str


class Actions(Schema):
    as_of: dt.date
    actions: list[ActionOut]
    tasks: list[TaskOut]


class EventOut(Schema):
    model_config = ConfigDict(extra="allow")
    day: dt.date
    kind: str
    what: str
    status: str
    amount: str
    id: int


class Timeline(Schema):
    customer: str
    events: list[EventOut]


class PromiseIn(Schema):
    amount: str = Field(**AMOUNT)
    date: IsoDate
    items: list[PlainText] = Field(default_factory=list, max_length=500)
    note: PlainText = Field("", max_length=1000)


class PromiseOut(Schema):
    id: int
    customer: str
    amount: str
    date: dt.date
    items: list[str]


class DisputeIn(Schema):
    item: PlainText = Field(max_length=200)
    reason: Reason
    note: PlainText = Field("", max_length=1000)


class DisputeOut(Schema):
    customer: str
    item: str
    opened: bool = Field(description="false when the item was already disputed for this reason")


class Approved(Schema):
    message: int
    approved: int = Field(description="messages of the step approved (email and letter)")


@router.get(
    "/companies/{company}/actions",
    response={200: Actions, **error_responses(403, 404, 422)},
    summary="The dunning actions due at a date (nothing is sent) and the open tasks",
)
def actions(request: HttpRequest, company: str, as_of: IsoDate | None = None) -> dict[str, Any]:
    scope = scope_of(request, company)
    scope.require(Action.VIEW)
    day = as_of or timezone.localdate()
    visible = set(scope.customers().values_list("code", flat=True))
    plan = dunning_plan(scope.company, day).as_json()
    items = worklist(
        scope.company, day, sales_rep=scope.sales_rep if scope.own_customers_only else None
    )
    return {
        "as_of": day,
        "actions": [a for a in plan["actions"] if a["customer"] in visible],
        "tasks": [
            {
                "id": i.task.pk,
                "customer": i.customer.code,
                "kind": i.task.kind,
                "day": i.task.day,
                "amount": format_cents(i.task.amount),
                "expected": format_cents(i.expected),
                "chance": str(i.chance),
            }
            for i in items
        ],
    }


@router.get(
    "/companies/{company}/customers/{code}/timeline",
    response={200: Timeline, **error_responses(404)},
    summary="A customer's messages, letters, tasks, promises and disputes, newest first",
)
def customer_timeline(request: HttpRequest, company: str, code: str) -> dict[str, Any]:
    scope = scope_of(request, company)
    customer = scope.customer(code)
    return {
        "customer": customer.code,
        "events": [e.as_json() for e in timeline(scope.company, customer)],
    }


@router.post(
    "/companies/{company}/customers/{code}/promises",
    response={201: PromiseOut, **error_responses(403, 404, 413, 415, 422)},
    summary="Record a promise to pay: dunning of its items waits until its date plus grace days",
)
def create_promise(
    request: HttpRequest, company: str, code: str, body: PromiseIn
) -> tuple[int, dict[str, Any]]:
    scope = scope_of(request, company)
    scope.require(Action.COLLECT)
    customer = scope.customer(code)
    actor = actor_of(user_of(request), request)
    promise = do_add_promise(
        scope.company,
        customer.code,
        body.amount,
        body.date,
        today=timezone.localdate(),
        items=body.items,
        note=body.note,
        username=actor.username,
    )
    return 201, {
        "id": promise.pk,
        "customer": customer.code,
        "amount": format_cents(promise.amount),
        "date": promise.promised_date,
        "items": sorted(promise.items.values_list("number", flat=True)),
    }


@router.post(
    "/companies/{company}/customers/{code}/disputes",
    response={201: DisputeOut, **error_responses(403, 404, 413, 415, 422)},
    summary="Mark an item disputed: it is never dunned while the dispute is open",
)
def create_dispute(
    request: HttpRequest, company: str, code: str, body: DisputeIn
) -> tuple[int, dict[str, Any]]:
    scope = scope_of(request, company)
    scope.require(Action.COLLECT)
    customer = scope.customer(code)
    outcome = do_add_dispute(
        scope.company,
        customer.code,
        body.item,
        body.reason,
        today=timezone.localdate(),
        note=body.note,
        username=actor_of(user_of(request), request).username,
    )
    return 201, {"customer": customer.code, "item": body.item, "opened": outcome.created}


@router.delete(
    "/companies/{company}/customers/{code}/disputes/{item}",
    response={204: None, **error_responses(403, 404, 422)},
    summary="Close the dispute on an item: dunning resumes",
)
def close_dispute(request: HttpRequest, company: str, code: str, item: str) -> tuple[int, None]:
    scope = scope_of(request, company)
    scope.require(Action.COLLECT)
    customer = scope.customer(code)
    do_close_dispute(
        scope.company,
        customer.code,
        item,
        today=timezone.localdate(),
        username=actor_of(user_of(request), request).username,
    )
    return 204, None


@router.post(
    "/companies/{company}/messages/{message}/approve",
    response={200: Approved, **error_responses(403, 404, 422)},
    summary="Approve a step waiting for it (a formal notice): its email and letter go out",
)
def approve(request: HttpRequest, company: str, message: int) -> dict[str, int]:
    scope = scope_of(request, company)
    scope.require(Action.APPROVE_DUNNING)
    found = Message.objects.filter(company=scope.company, pk=message).first()
    if found is None or not scope.customers().filter(pk=found.customer_id).exists():
        raise NotFoundError("message_not_found", f"no message {message}")
    count = do_approve_message(
        scope.company, message, actor_of(user_of(request), request), timezone.localdate()
    )
    return {"message": message, "approved": count}
