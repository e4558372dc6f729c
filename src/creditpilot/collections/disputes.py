"""Disputes to their resolution: an owner, a deadline, a resolution, and the statistics.

A dispute opened without a deadline is due 30 days after it was opened. Its owner is a
user of the company (a collector, a credit manager, the customer's sales rep); past its
deadline it shows on the owner's worklist. It is resolved by a credit note, a partial
credit, a corrected invoice, or rejected; each step is audited. The statistics count the
disputes by reason and by owner, with the days they took to resolve.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet

from creditpilot.audit.services import Actor, record
from creditpilot.collections.models import Dispute
from creditpilot.collections.services import close_dispute_tasks
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError

DEFAULT_DEADLINE_DAYS = 30


def deadline_of(dispute: Dispute) -> date:
    return dispute.deadline or dispute.opened_on + timedelta(days=DEFAULT_DEADLINE_DAYS)


def overdue(company: Company, today: date) -> QuerySet[Dispute]:
    """Open disputes past their deadline (or past 30 days when none was set)."""
    late = Q(deadline__lt=today) | Q(
        deadline__isnull=True, opened_on__lt=today - timedelta(days=DEFAULT_DEADLINE_DAYS)
    )
    return Dispute.objects.filter(company=company, status=Dispute.Status.OPEN).filter(late)


def _dispute(company: Company, dispute_id: int) -> Dispute:
    found = (
        Dispute.objects.select_for_update()
        .select_related("customer", "item")
        .filter(company=company, pk=dispute_id)
        .first()
    )
    if found is None:
        raise NotFoundError("dispute_not_found", f"no dispute {dispute_id}")
    return found


@transaction.atomic
def do_assign_dispute(
    company: Company, dispute_id: int, owner: str, deadline: date | None, actor: Actor
) -> Dispute:
    """Give the dispute an owner (a user of the company, or nobody) and a deadline."""
    dispute = _dispute(company, dispute_id)
    owner = owner.strip()
    if (
        owner
        and not get_user_model()
        .objects.filter(username=owner, memberships__company=company, is_active=True)
        .exists()
    ):
        raise InvalidInputError("unknown_owner", f"{owner!r} is not a user of this company")
    if deadline is not None and deadline < dispute.opened_on:
        raise InvalidInputError(
            "deadline_before_opening", "the deadline cannot come before the dispute was opened"
        )
    before = {"owner": dispute.owner, "deadline": _day(dispute.deadline)}
    dispute.owner, dispute.deadline = owner, deadline
    dispute.save(update_fields=["owner", "deadline"])
    record(
        "dispute_assigned",
        company_id=company.pk,
        actor=actor,
        object_type="customer",
        object_ref=dispute.customer.code,
        before=before,
        after={"item": dispute.item.number, "owner": owner, "deadline": _day(deadline)},
    )
    return dispute


@transaction.atomic
def do_resolve_dispute(
    company: Company, dispute_id: int, resolution: str, note: str, today: date, actor: Actor
) -> Dispute:
    """Close the dispute with its resolution; dunning takes the item again if it is still owed,
    and the worklist's task about it (raised through the portal) is done."""
    dispute = _dispute(company, dispute_id)
    if dispute.status != Dispute.Status.OPEN:
        raise InvalidInputError("dispute_closed", "this dispute is already closed")
    if resolution not in Dispute.Resolution.values:
        raise InvalidInputError(
            "bad_resolution",
            f"unknown resolution {resolution!r}: {', '.join(Dispute.Resolution.values)}",
        )
    dispute.status = Dispute.Status.CLOSED
    dispute.closed_on, dispute.closed_by = today, actor.username
    dispute.resolution, dispute.resolution_note = resolution, note.strip()[:1000]
    dispute.save(
        update_fields=["status", "closed_on", "closed_by", "resolution", "resolution_note"]
    )
    record(
        "dispute_resolved",
        company_id=company.pk,
        actor=actor,
        object_type="customer",
        object_ref=dispute.customer.code,
        after={"item": dispute.item.number, "resolution": resolution, "note": note.strip()},
    )
    close_dispute_tasks([dispute.pk], actor, today)
    return dispute


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass
class Tally:
    open: int = 0
    overdue: int = 0
    resolved: int = 0
    days: list[int] = field(default_factory=list)  # to resolve, of the resolved ones

    @property
    def average_days(self) -> int | None:
        """Days to resolve, on average, rounded half up (None before the first)."""
        if not self.days:
            return None
        return (2 * sum(self.days) + len(self.days)) // (2 * len(self.days))


@dataclass(frozen=True)
class Statistics:
    by_reason: dict[str, Tally]
    by_owner: dict[str, Tally]
    by_resolution: dict[str, int]


def statistics(company: Company, today: date, since: date) -> Statistics:
    """The disputes open now or opened since ``since``, by reason and by owner."""
    by_reason: dict[str, Tally] = defaultdict(Tally)
    by_owner: dict[str, Tally] = defaultdict(Tally)
    by_resolution: dict[str, int] = defaultdict(int)
    rows = Dispute.objects.filter(company=company).filter(
        Q(status=Dispute.Status.OPEN) | Q(opened_on__gte=since)
    )
    for d in rows.only("reason", "owner", "status", "opened_on", "closed_on", "deadline"):
        for tally in (by_reason[d.reason], by_owner[d.owner]):
            if d.status == Dispute.Status.OPEN:
                tally.open += 1
                tally.overdue += deadline_of(d) < today
            else:
                tally.resolved += 1
                tally.days.append(((d.closed_on or today) - d.opened_on).days)
        if d.status == Dispute.Status.CLOSED:
            by_resolution[d.resolution or "closed"] += 1
    return Statistics(dict(by_reason), dict(by_owner), dict(by_resolution))


# --- the demo's disputes ------------------------------------------------------------------

DEMO_NOTES = {
    Dispute.Reason.PRICE: "Le client conteste le prix unitaire : il attendait le tarif de l'an dernier.",
    Dispute.Reason.QUANTITY: "Selon le client, la quantité livrée est inférieure à la quantité facturée.",
    Dispute.Reason.QUALITY: "Le client signale des pièces défectueuses à la réception.",
    Dispute.Reason.DELIVERY: "Livraison arrivée en retard sur chantier ; le client demande une remise.",
    Dispute.Reason.DUPLICATE: "Le client pense avoir déjà réglé cette facture.",
}  # fmt: skip
DEMO_RESOLUTIONS = (
    (Dispute.Resolution.REJECTED, "Bon de livraison signé renvoyé au client ; il règle."),
    (Dispute.Resolution.PARTIAL_CREDIT, "Avoir partiel accordé pour le retard de livraison."),
    (Dispute.Resolution.CORRECTED_INVOICE, "Facture rectificative envoyée au bon tarif."),
    (Dispute.Resolution.CREDIT_NOTE, "Avoir total : les pièces sont reprises."),
)


@transaction.atomic
def do_stage_demo_disputes(company: Company, today: date, seed: int, owner: str) -> int:
    """Give the demo's disputes (opened by its invoices' flag) what a collector's would have:
    a reason and its note, the day it was raised after the due date, an owner and a deadline
    for two in three, and a third already resolved. Deterministic; returns how many."""
    rng = random.Random(seed)
    reasons = list(DEMO_NOTES)
    disputes = list(
        Dispute.objects.filter(
            company=company, source=Dispute.Source.IMPORT, status=Dispute.Status.OPEN
        )
        .select_related("item")
        .order_by("id")
    )
    for n, dispute in enumerate(disputes):
        dispute.reason = reasons[n % len(reasons)]
        dispute.note = DEMO_NOTES[dispute.reason]
        raised = dispute.item.due_date + timedelta(days=rng.randint(3, 40))
        dispute.opened_on = max(dispute.item.date, min(raised, today))
        dispute.owner = owner if n % 3 != 2 else ""
        settled = dispute.opened_on + timedelta(days=rng.randint(6, 45))
        if n % 3 == 0 and settled <= today:
            resolution, note = DEMO_RESOLUTIONS[(n // 3) % len(DEMO_RESOLUTIONS)]
            dispute.status, dispute.closed_on, dispute.closed_by = "closed", settled, owner
            dispute.resolution, dispute.resolution_note = resolution, note
        else:  # most deadlines still ahead, a few past: the worklist's overdue disputes
            dispute.deadline = max(
                dispute.opened_on + timedelta(days=DEFAULT_DEADLINE_DAYS),
                today + timedelta(days=rng.randint(-6, 30)),
            )
    Dispute.objects.bulk_update(
        disputes,
        ["reason", "note", "opened_on", "owner", "deadline", "status", "closed_on",
         "closed_by", "resolution", "resolution_note"],
    )  # fmt: skip
    return len(disputes)
