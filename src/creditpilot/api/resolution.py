"""Disputes to their resolution, escalation decisions, portal links and the payment clauses
of the terms of sale over the API.

The same services as the pages: a dispute gets an owner and a deadline or is resolved
(a collector or credit manager settles any, a sales rep those they own); the decision
matrix says who decides each escalation and every decision is recorded with who, when
and why; a customer's portal link is issued to be sent by hand, or revoked. Each route is
scoped like the pages, and every change is audited by the service it calls. The payment
clauses are written from the company's settings (L441-1, L441-10); a text the company wrote
is checked against the mentions the law asks for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.api.auth import scope_of, user_of
from creditpilot.api.errors import error_responses
from creditpilot.api.params import IsoDate, PlainText
from creditpilot.api.schemas import AMOUNT, POSITIVE
from creditpilot.collections.decisions import (
    ACTIONS,
    Row,
    company_matrix,
    do_decide,
    do_set_matrix,
)
from creditpilot.collections.disputes import deadline_of, do_assign_dispute, do_resolve_dispute
from creditpilot.collections.models import Decision, Dispute
from creditpilot.collections.portal import do_issue_link, do_revoke_links, link_url
from creditpilot.collections.terms_of_sale import MENTIONS, missing_mentions, payment_clauses
from creditpilot.core.errors import InvalidInputError, NotFoundError
from creditpilot.core.money import format_cents, to_cents

router = Router(tags=["disputes and escalations"])
Escalation = Literal[
    "formal_notice", "collection_agency", "order_for_payment", "lawyer", "write_off"
]
Resolution = Literal["credit_note", "partial_credit", "corrected_invoice", "rejected"]


class DisputeRow(Schema):
    id: int
    customer: str
    item: str
    amount: str = Field(**AMOUNT, description="the item's amount")
    reason: str
    note: str
    source: str = Field(description="user, import or portal")
    status: Literal["open", "closed"]
    opened_on: dt.date
    owner: str
    deadline: dt.date = Field(description="the one set, else 30 days after the opening")
    overdue: bool
    resolution: str
    resolution_note: str
    closed_on: dt.date | None


class Disputes(Schema):
    as_of: dt.date
    disputes: list[DisputeRow]


class DisputesQuery(Schema):
    status: Literal["open", "closed", "all"] = "open"
    customer: PlainText | None = Field(None, max_length=200, description="one customer's code")


class DisputeChange(Schema):
    owner: PlainText | None = Field(
        None, max_length=150, description="a user of the company; empty or null: nobody"
    )
    deadline: IsoDate | None = Field(
        None, description="null: none, the dispute is due 30 days after its opening"
    )
    resolution: Resolution | None = Field(None, description="closes the dispute")
    note: PlainText = Field("", max_length=1000, description="the resolution's note")


class MatrixRow(Schema):
    action: Escalation
    collector_up_to: str = Field(**POSITIVE, description="a collector decides up to it")
    manager_up_to: str | None = Field(
        None, **POSITIVE, description="a credit manager up to it, management above; null: no bound"
    )
    consult_sales: bool = Field(
        True, description="the sales rep is consulted before a key or A/B-rated customer"
    )


class Matrix(Schema):
    rows: list[MatrixRow]


class MatrixIn(Schema):
    rows: list[MatrixRow] = Field(min_length=1, max_length=len(ACTIONS))


class DecisionIn(Schema):
    action: Escalation
    amount: str = Field(**POSITIVE, description="the amount at stake")
    approve: bool
    reason: PlainText = Field(min_length=1, max_length=1000)
    sales_consulted: bool = False


class DecisionOut(Schema):
    id: int
    customer: str
    action: str
    amount: str = Field(**AMOUNT)
    approved: bool
    reason: str
    sales_consulted: bool
    decided_by: str
    role: str
    at: dt.datetime


class Decisions(Schema):
    customer: str
    decisions: list[DecisionOut]


class ClausesOut(Schema):
    language: Literal["fr", "en"]
    text: str
    beyond_legal_cap: bool = Field(description="the default terms exceed the caps of L441-10")


class TermsOfSale(Schema):
    clauses: list[ClausesOut]
    own_text: str = Field(description="the company's own payment clauses (its legal mentions)")
    own_text_missing: list[str] = Field(
        description=f"the mentions its own text lacks, among {', '.join(MENTIONS)}"
    )


class TextIn(Schema):
    text: str = Field(max_length=20000)


class CheckOut(Schema):
    missing: list[str] = Field(description=f"among {', '.join(MENTIONS)}")


class PortalLinkOut(Schema):
    customer: str
    url: str
    expires_at: dt.datetime


def _disputes(scope: Scope) -> Any:
    return Dispute.objects.filter(
        company=scope.company, customer__in=scope.customers().values("pk")
    ).select_related("customer", "item")


def _dispute_json(d: Dispute, today: dt.date) -> dict[str, Any]:
    deadline = deadline_of(d)
    return {
        "id": d.pk,
        "customer": d.customer.code,
        "item": d.item.number,
        "amount": format_cents(d.item.amount),
        "reason": d.reason,
        "note": d.note,
        "source": d.source,
        "status": d.status,
        "opened_on": d.opened_on,
        "owner": d.owner,
        "deadline": deadline,
        "overdue": d.status == Dispute.Status.OPEN and deadline < today,
        "resolution": d.resolution,
        "resolution_note": d.resolution_note,
        "closed_on": d.closed_on,
    }


@router.get(
    "/companies/{company}/disputes",
    response={200: Disputes, **error_responses(403, 404, 422)},
    summary="The disputes (open by default), with their owner, deadline and resolution",
)
def list_disputes(
    request: HttpRequest, company: str, query: Query[DisputesQuery]
) -> dict[str, Any]:
    scope = scope_of(request, company)
    found = _disputes(scope)
    if query.status != "all":
        found = found.filter(status=query.status)
    if query.customer is not None:
        found = found.filter(customer=scope.customer(query.customer))
    today = timezone.localdate()
    rows = found.order_by("opened_on", "id")[:5000]
    return {"as_of": today, "disputes": [_dispute_json(d, today) for d in rows]}


@router.patch(
    "/companies/{company}/disputes/{dispute}",
    response={200: DisputeRow, **error_responses(403, 404, 413, 415, 422)},
    summary="Give a dispute its owner and deadline, or resolve it (all the changes or none)",
)
def change_dispute(
    request: HttpRequest, company: str, dispute: int, body: DisputeChange
) -> dict[str, Any]:
    scope = scope_of(request, company)
    found = _disputes(scope).filter(pk=dispute).first()
    if found is None:
        raise NotFoundError("dispute_not_found", f"no dispute {dispute}")
    actor = actor_of(user_of(request), request)
    if not (scope.can(Action.COLLECT) or found.owner == actor.username):
        scope.require(Action.COLLECT)  # 403: a sales rep settles only the disputes they own
    given = body.model_fields_set  # a field left out is kept, one given as null is cleared
    if body.note.strip() and body.resolution is None:
        raise InvalidInputError(
            "note_without_resolution",
            "a note goes with a resolution",
            fields={"note": "give the resolution it explains"},
        )
    today = timezone.localdate()
    with transaction.atomic():
        if given & {"owner", "deadline"}:
            owner = (body.owner or "") if "owner" in given else found.owner
            deadline = body.deadline if "deadline" in given else found.deadline
            do_assign_dispute(scope.company, found.pk, owner, deadline, actor)
        if body.resolution is not None:
            do_resolve_dispute(scope.company, found.pk, body.resolution, body.note, today, actor)
    found.refresh_from_db()
    return _dispute_json(found, today)


def _row_json(row: Row) -> dict[str, Any]:
    return {
        "action": row.action,
        "collector_up_to": format_cents(row.collector_up_to),
        "manager_up_to": format_cents(row.manager_up_to) if row.manager_up_to is not None else None,
        "consult_sales": row.consult_sales,
    }


@router.get(
    "/companies/{company}/decision-matrix",
    response={200: Matrix, **error_responses(403, 404)},
    summary="Who decides each escalation: the company's collection policy",
)
def decision_matrix(request: HttpRequest, company: str) -> dict[str, Any]:
    matrix = company_matrix(scope_of(request, company).company)
    return {"rows": [_row_json(matrix[action]) for action in ACTIONS]}


@router.put(
    "/companies/{company}/decision-matrix",
    response={200: Matrix, **error_responses(403, 404, 413, 415, 422)},
    summary="Adapt the decision matrix: the rows given are replaced, each change audited",
)
def set_decision_matrix(request: HttpRequest, company: str, body: MatrixIn) -> dict[str, Any]:
    scope = scope_of(request, company)
    scope.require(Action.EDIT_SETTINGS)
    rows = [
        Row(
            r.action,
            to_cents(r.collector_up_to),
            to_cents(r.manager_up_to) if r.manager_up_to is not None else None,
            r.consult_sales,
        )
        for r in body.rows
    ]
    do_set_matrix(scope.company, rows, actor_of(user_of(request), request))
    matrix = company_matrix(scope.company)
    return {"rows": [_row_json(matrix[action]) for action in ACTIONS]}


def _decision_json(d: Decision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "customer": d.customer.code,
        "action": d.action,
        "amount": format_cents(d.amount),
        "approved": d.approved,
        "reason": d.reason,
        "sales_consulted": d.sales_consulted,
        "decided_by": d.decided_by,
        "role": d.role,
        "at": d.created_at,
    }


@router.get(
    "/companies/{company}/customers/{code}/decisions",
    response={200: Decisions, **error_responses(403, 404)},
    summary="The escalations decided for the customer, newest first",
)
def list_decisions(request: HttpRequest, company: str, code: str) -> dict[str, Any]:
    customer = scope_of(request, company).customer(code)
    found = Decision.objects.filter(customer=customer).select_related("customer")[:500]
    return {"customer": customer.code, "decisions": [_decision_json(d) for d in found]}


@router.post(
    "/companies/{company}/customers/{code}/decisions",
    response={201: DecisionOut, **error_responses(403, 404, 413, 415, 422)},
    summary="Record an escalation decided: refused when the matrix gives it to a higher role",
)
def decide(
    request: HttpRequest, company: str, code: str, body: DecisionIn
) -> tuple[int, dict[str, Any]]:
    scope = scope_of(request, company)
    scope.require(Action.DECIDE_ESCALATION)
    customer = scope.customer(code)
    decision = do_decide(
        scope.company,
        customer,
        body.action,
        to_cents(body.amount),
        body.approve,
        body.reason,
        body.sales_consulted,
        actor_of(user_of(request), request),
        scope.role,
    )
    return 201, _decision_json(decision)


@router.post(
    "/companies/{company}/customers/{code}/portal-link",
    response={201: PortalLinkOut, **error_responses(403, 404, 422)},
    summary="The customer's portal link to send by hand: its live one, or a new one",
)
def issue_link(request: HttpRequest, company: str, code: str) -> tuple[int, dict[str, Any]]:
    scope = scope_of(request, company)
    scope.require(Action.COLLECT)
    customer = scope.customer(code)
    link = do_issue_link(
        scope.company, customer, timezone.now(), actor_of(user_of(request), request)
    )
    return 201, {"customer": customer.code, "url": link_url(link), "expires_at": link.expires_at}


@router.delete(
    "/companies/{company}/customers/{code}/portal-link",
    response={204: None, **error_responses(403, 404, 422)},
    summary="Revoke the customer's live portal links: they open nothing from now on",
)
def revoke_link(request: HttpRequest, company: str, code: str) -> tuple[int, None]:
    scope = scope_of(request, company)
    scope.require(Action.COLLECT)
    customer = scope.customer(code)
    do_revoke_links(scope.company, customer, timezone.now(), actor_of(user_of(request), request))
    return 204, None


@router.get(
    "/companies/{company}/terms-of-sale",
    response={200: TermsOfSale, **error_responses(403, 404)},
    summary="The payment clauses of the terms of sale, in French and English, from the settings",
)
def terms_of_sale(request: HttpRequest, company: str) -> dict[str, Any]:
    scope = scope_of(request, company)
    own = scope.company.legal_mentions.strip()
    clauses = [payment_clauses(scope.company, language) for language in ("fr", "en")]
    return {
        "clauses": [
            {"language": c.language, "text": c.text, "beyond_legal_cap": c.beyond_legal_cap}
            for c in clauses
        ],
        "own_text": own,
        "own_text_missing": missing_mentions(own) if own else list(MENTIONS),
    }


@router.post(
    "/companies/{company}/terms-of-sale/check",
    response={200: CheckOut, **error_responses(403, 404, 413, 415, 422)},
    summary="Check a text of payment clauses against the mentions the law asks for",
)
def check_terms(request: HttpRequest, company: str, body: TextIn) -> dict[str, Any]:
    scope_of(request, company)
    return {"missing": missing_mentions(body.text)}
