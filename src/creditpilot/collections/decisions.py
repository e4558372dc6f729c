"""The decision matrix: who decides each escalation, by amount, rating and key customer.

For each action (formal notice, collection agency, order for payment, lawyer, write-off) a
collector decides alone up to an amount, a credit manager up to a higher one, management
above it; before escalating a key customer, or one rated A or B, the sales rep is
consulted (where the row says so). A French SME's default, which a company adapts on its
page; every decision is kept with who took it, when, why, and whether sales was heard.

>>> verdict = who_decides(DEFAULT_MATRIX["lawyer"], 12_000_00, "C", key_customer=True)
>>> verdict.role, verdict.consult_sales
('management', True)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from creditpilot.audit.services import Actor, record
from creditpilot.collections.models import CustomerProfile, Decision, DecisionRule
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer

ACTIONS = ("formal_notice", "collection_agency", "order_for_payment", "lawyer", "write_off")
RANK = {"collector": 1, "credit_manager": 2, "management": 3, "admin": 3}
CONSULTED_RATINGS = ("A", "B")  # customers worth keeping: sales is heard before escalating


@dataclass(frozen=True)
class Row:
    action: str
    collector_up_to: int  # cents
    manager_up_to: int | None  # cents; None: a credit manager decides any amount
    consult_sales: bool = True


DEFAULT_MATRIX = {
    "formal_notice": Row("formal_notice", 5_000_00, 50_000_00),
    "collection_agency": Row("collection_agency", 0, 20_000_00),
    "order_for_payment": Row("order_for_payment", 0, 10_000_00),
    "lawyer": Row("lawyer", 0, 10_000_00),
    "write_off": Row("write_off", 0, 1_000_00),
}


@dataclass(frozen=True)
class Verdict:
    role: str  # collector, credit_manager or management
    consult_sales: bool


def company_matrix(company: Company) -> dict[str, Row]:
    rows = dict(DEFAULT_MATRIX)
    for r in DecisionRule.objects.filter(company=company, action__in=ACTIONS):
        rows[r.action] = Row(r.action, r.collector_up_to, r.manager_up_to, r.consult_sales)
    return rows


def who_decides(row: Row, amount: int, rating: str, key_customer: bool) -> Verdict:
    if amount <= row.collector_up_to:
        role = "collector"
    elif row.manager_up_to is None or amount <= row.manager_up_to:
        role = "credit_manager"
    else:
        role = "management"
    consult = row.consult_sales and (key_customer or rating in CONSULTED_RATINGS)
    return Verdict(role, consult)


def verdict_for(company: Company, customer: Customer, action: str, amount: int) -> Verdict:
    if action not in ACTIONS:
        raise InvalidInputError("bad_action", f"unknown escalation {action!r}")
    key = CustomerProfile.objects.filter(customer=customer, key_customer=True).exists()
    return who_decides(company_matrix(company)[action], amount, customer.rating, key)


@transaction.atomic
def do_set_matrix(company: Company, rows: list[Row], actor: Actor) -> None:
    before = company_matrix(company)
    for row in rows:
        if row.action not in ACTIONS:
            raise InvalidInputError("bad_action", f"unknown escalation {row.action!r}")
        if row.collector_up_to < 0 or (row.manager_up_to is not None and row.manager_up_to < 0):
            raise InvalidInputError("negative_amount", "an amount is zero or more")
        if row.manager_up_to is not None and row.manager_up_to < row.collector_up_to:
            raise InvalidInputError(
                "bounds_order", "a credit manager's bound cannot be below a collector's"
            )
        DecisionRule.objects.update_or_create(
            company=company,
            action=row.action,
            defaults={
                "collector_up_to": row.collector_up_to,
                "manager_up_to": row.manager_up_to,
                "consult_sales": row.consult_sales,
            },
        )
        if before[row.action] != row:
            record(
                "matrix_changed",
                company_id=company.pk,
                actor=actor,
                object_type="decision_matrix",
                object_ref=row.action,
                before=_row_json(before[row.action]),
                after=_row_json(row),
            )


def _row_json(row: Row) -> dict[str, object]:
    return {
        "collector_up_to": format_cents(row.collector_up_to),
        "manager_up_to": format_cents(row.manager_up_to) if row.manager_up_to is not None else "",
        "consult_sales": row.consult_sales,
    }


@transaction.atomic
def do_decide(
    company: Company,
    customer: Customer,
    action: str,
    amount: int,
    approved: bool,
    reason: str,
    sales_consulted: bool,
    actor: Actor,
    role: str,
) -> Decision:
    """Record an escalation decided by ``actor``, if the matrix lets their role decide it."""
    if customer.company_id != company.pk:
        raise InvalidInputError("unknown_customer", "no such customer in this company")
    if amount < 0:
        raise InvalidInputError("negative_amount", "an amount is zero or more")
    if not reason.strip():
        raise InvalidInputError("decision_reason", "say why")
    verdict = verdict_for(company, customer, action, amount)
    if RANK.get(role, 0) < RANK[verdict.role]:
        raise InvalidInputError(
            "not_your_decision", f"this decision belongs to {verdict.role}", needed=verdict.role
        )
    if verdict.consult_sales and approved and not sales_consulted:
        raise InvalidInputError("consult_sales", "consult the sales rep first")
    decision = Decision.objects.create(
        company=company,
        customer=customer,
        action=action,
        amount=amount,
        approved=approved,
        reason=reason.strip()[:1000],
        sales_consulted=sales_consulted,
        decided_by=actor.username,
        role=role,
    )
    record(
        "escalation_decided",
        company_id=company.pk,
        actor=actor,
        object_type="customer",
        object_ref=customer.code,
        after={
            "escalation": action,
            "amount": format_cents(amount),
            "decision": "approved" if approved else "refused",
            "reason": decision.reason,
        },
    )
    return decision
