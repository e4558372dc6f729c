"""Credit limits: the policy's recommendation, and requests decided within delegations.

Each role may grant a limit up to its delegation: a collector 10,000 EUR, a credit manager
100,000 EUR, management and administrators without bound; sales reps and auditors grant
none. A request within the requester's own delegation is granted at once; above it, it
waits for someone whose delegation covers it. Every request and decision is audited.

The recommended limit kept with each request is the credit policy's (``risk/policy.py``).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from creditpilot.audit.services import Actor, record
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.customers.signals import customer_changed
from creditpilot.risk.models import LimitRequest
from creditpilot.risk.policy import recommendation

DELEGATIONS: dict[str, int | None] = {
    "collector": 10_000_00,
    "credit_manager": 100_000_00,
    "management": None,  # no bound
    "admin": None,
    "sales": 0,
    "auditor": 0,
}


def covers(role: str, amount: int) -> bool:
    """Whether ``role`` may grant a limit of ``amount`` cents.

    >>> covers("collector", 10_000_00), covers("collector", 10_000_01), covers("admin", 10**12)
    (True, False, True)
    """
    bound = DELEGATIONS.get(role, 0)
    return bound is None or amount <= bound


@transaction.atomic
def do_request_limit(
    company: Company,
    customer: Customer,
    amount: int,
    reason: str,
    actor: Actor,
    role: str,
    today: date,
) -> LimitRequest:
    """Ask for a limit; granted at once within the requester's delegation."""
    if amount < 0:
        raise InvalidInputError("negative_amount", "a credit limit is zero or more")
    if not reason.strip():
        raise InvalidInputError("limit_reason", "say why the limit is asked for")
    request = LimitRequest.objects.create(
        company=company,
        customer=customer,
        amount=amount,
        previous=customer.credit_limit,
        recommended=recommendation(customer, today).limit,
        reason=reason.strip()[:1000],
        requested_by=actor.username,
    )
    record(
        "limit_requested",
        company_id=company.pk,
        actor=actor,
        object_type="customer",
        object_ref=customer.code,
        after={"amount": format_cents(amount), "reason": request.reason},
    )
    if covers(role, amount):
        _decide(request, True, actor, "")
    return request


@transaction.atomic
def do_decide_limit(
    company: Company, request_id: int, approve: bool, actor: Actor, role: str, note: str = ""
) -> LimitRequest:
    """Grant or refuse a pending request; granting needs a delegation that covers it."""
    request = (
        LimitRequest.objects.select_for_update()
        .select_related("customer")
        .filter(company=company, pk=request_id)
        .first()
    )
    if request is None:
        raise NotFoundError("limit_request_not_found", f"no limit request {request_id}")
    if request.status != LimitRequest.Status.PENDING:
        raise InvalidInputError("limit_decided", "this request was already decided")
    if not covers(role, request.amount):
        raise InvalidInputError(
            "over_delegation",
            f"a limit of {format_cents(request.amount)} is above your delegation",
        )
    _decide(request, approve, actor, note)
    return request


def _decide(request: LimitRequest, approve: bool, actor: Actor, note: str) -> None:
    request.status = LimitRequest.Status.APPROVED if approve else LimitRequest.Status.REJECTED
    request.decided_by, request.decided_at, request.note = actor.username, timezone.now(), note
    request.save(update_fields=["status", "decided_by", "decided_at", "note"])
    if approve:
        before = request.customer.credit_limit
        Customer.objects.filter(pk=request.customer_id).update(credit_limit=request.amount)
        request.customer.credit_limit = request.amount
        customer_changed.send(sender=Customer, customer=request.customer)  # the cached lists
        record(
            "customer_changed",
            company_id=request.company_id,
            actor=actor,
            object_type="customer",
            object_ref=request.customer.code,
            before={"credit_limit": before},
            after={"credit_limit": request.amount},
        )
    record(
        "limit_approved" if approve else "limit_rejected",
        company_id=request.company_id,
        actor=actor,
        object_type="customer",
        object_ref=request.customer.code,
        after={"amount": format_cents(request.amount), "note": note},
    )
