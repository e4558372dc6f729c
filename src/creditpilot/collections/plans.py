"""Payment plans: instalments agreed over some items, followed by the daily run.

Each instalment is kept as a promise of the plan's running total due by its date (the
first instalment, then the first two, and so on), so that what the promises already do
holds for a plan: the items are not dunned while it runs, an instalment is kept when the
items received the running total by its date plus the grace days, and a missed one is
broken. A broken instalment breaks the plan: its later instalments are closed, dunning
resumes at the next step and the worklist shows the broken promise. Instalments must add
up to the items' open amounts plus the interest agreed, and be dated today or later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from creditpilot.audit.services import Actor, record
from creditpilot.collections.models import CollectionSettings, PaymentPlan, Promise
from creditpilot.collections.services import (
    _items_by_number,
    get_customer,
    open_debits,
    parse_amount,
)
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.money import format_cents


@transaction.atomic
def do_add_plan(
    company: Company,
    customer_code: str,
    instalments: Sequence[tuple[date, int]],
    *,
    today: date,
    items: Sequence[str] = (),
    interest: int = 0,
    note: str = "",
    username: str = "cli",
) -> PaymentPlan:
    """Agree a plan: ``instalments`` (date, cents) over ``items`` (every open one by default)."""
    customer = get_customer(company, customer_code)
    if not instalments:
        raise InvalidInputError("no_instalment", "a plan has at least one instalment")
    days = [day for day, _ in instalments]
    if min(days) < today:
        raise InvalidInputError(
            "plan_in_past", f"an instalment is due today or later, not {min(days).isoformat()}"
        )
    if days != sorted(days) or len(set(days)) != len(days):
        raise InvalidInputError("instalment_order", "one instalment a day, in date order")
    if any(cents <= 0 for _, cents in instalments) or interest < 0:
        raise InvalidInputError("negative_amount", "an instalment is more than zero")
    debits = _items_by_number(customer, items, today) if items else open_debits(customer, today)
    owed = sum(d.open for d in debits)
    if not debits or owed <= 0:
        raise InvalidInputError("nothing_owed", f"{customer.code!r} owes nothing on these items")
    total = sum(cents for _, cents in instalments)
    if total != owed + interest:
        raise InvalidInputError(
            "plan_does_not_add_up",
            f"the instalments make {format_cents(total)}, the items "
            f"{format_cents(owed)} plus {format_cents(interest)} of interest",
            total=format_cents(total),
            owed=format_cents(owed + interest),
        )
    settings = CollectionSettings.objects.filter(company=company).first()
    grace = settings.promise_grace_days if settings is not None else 3
    plan = PaymentPlan.objects.create(
        company=company,
        customer=customer,
        total=total,
        interest=interest,
        agreed_on=today,
        note=note.strip()[:1000],
        created_by=username,
    )
    running = 0
    for day, cents in instalments:
        running += cents
        promise = Promise.objects.create(
            company=company,
            customer=customer,
            amount=running,
            promised_date=day,
            grace_days=grace,
            made_on=today,
            note=f"plan {plan.pk}",
            created_by=username,
            plan=plan,
        )
        promise.items.set([d.id for d in debits])
    record(
        "plan_agreed",
        company_id=company.pk,
        actor=Actor(username=username),
        object_type="customer",
        object_ref=customer.code,
        after={
            "total": format_cents(total),
            "instalments": len(instalments),
            "items": [d.number for d in debits],
        },
    )
    return plan


def settle_plans(company: Company, as_of: date) -> dict[str, int]:
    """After the promises are resolved: a plan with a broken instalment is broken (its later
    ones closed), a plan whose instalments are all kept is completed."""
    counts = {"plans_broken": 0, "plans_completed": 0}
    for plan in PaymentPlan.objects.filter(company=company, status=PaymentPlan.Status.ACTIVE):
        states = set(plan.instalments.values_list("status", flat=True))
        if Promise.Status.BROKEN in states:
            plan.instalments.filter(status=Promise.Status.OPEN).update(
                status=Promise.Status.BROKEN, resolved_on=as_of
            )
            plan.status, plan.ended_on = PaymentPlan.Status.BROKEN, as_of
        elif states == {Promise.Status.KEPT}:
            plan.status, plan.ended_on = PaymentPlan.Status.COMPLETED, as_of
        else:
            continue
        plan.save(update_fields=["status", "ended_on"])
        counts[f"plans_{plan.status}"] += 1
        record(
            f"plan_{plan.status}",
            company_id=company.pk,
            actor=Actor(username="run"),
            object_type="customer",
            object_ref=plan.customer.code,
            after={"total": format_cents(plan.total)},
        )
    return counts


def parse_instalments(text: str) -> list[tuple[date, int]]:
    """``2026-07-10:500.00,2026-08-10:500.00`` as (date, cents) pairs.

    >>> parse_instalments("2026-07-10:500,2026-08-10:250.50")
    [(datetime.date(2026, 7, 10), 50000), (datetime.date(2026, 8, 10), 25050)]
    """
    pairs = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        day, _, amount = part.partition(":")
        try:
            pairs.append((date.fromisoformat(day.strip()), parse_amount(amount.strip())))
        except ValueError as err:
            raise InvalidInputError(
                "bad_instalment", f"not DATE:AMOUNT: {part!r}", value=part
            ) from err
    return pairs
