"""Actions of collections: record a promise to pay, open or close a dispute (each audited).

Every ``do_*`` runs in one transaction and refuses bad input with an
``InvalidInputError`` whose code says why (the command line exits 1 with it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from creditpilot.audit.services import Actor, record
from creditpilot.collections.models import CollectionSettings, Dispute, Promise, StepSent, Task
from creditpilot.companies.models import Company
from creditpilot.core.dunning import Action, promise_outcome
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document

REASONS = [r.value for r in Dispute.Reason]
IMPORT_USER = "import"


def parse_amount(text: str) -> int:
    """Cents of a positive amount written with at most two decimals (a comma is a decimal point,
    spaces group thousands: ``1 250,50``)."""
    compact = "".join(text.split()).replace("\u202f", "").replace(",", ".")
    try:
        value = Decimal(compact)
    except InvalidOperation:
        raise InvalidInputError("bad_amount", f"not an amount: {text!r}", value=text) from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise InvalidInputError(
            "bad_amount", f"an amount is positive with at most two decimals: {text!r}", value=text
        )
    return int(value * 100)


def get_customer(company: Company, code: str) -> Customer:
    customer = Customer.objects.filter(company=company, code=code).first()
    if customer is None:
        raise InvalidInputError("unknown_customer", f"unknown customer {code!r}", customer=code)
    return customer


@dataclass(frozen=True)
class OpenDebit:
    id: int
    number: str
    due_date: date
    open: int  # cents


def open_debits(customer: Customer, as_of: date) -> list[OpenDebit]:
    """The customer's debits dated on or before ``as_of`` with an open amount then, oldest due first."""
    settled = dict(
        Allocation.objects.filter(customer=customer, date__lte=as_of)
        .values_list("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    rows = Document.objects.filter(
        customer=customer, is_active=True, amount__gt=0, date__lte=as_of
    ).values_list("id", "number", "due_date", "amount")
    debits = [
        OpenDebit(i, number, due, amount - (settled.get(i) or 0))
        for i, number, due, amount in rows
        if amount - (settled.get(i) or 0) != 0
    ]
    debits.sort(key=lambda d: (d.due_date, d.id))
    return debits


def customer_balance(customer: Customer, as_of: date) -> int:
    """What the customer owes at ``as_of``: its open debits less its unallocated credits."""
    total = Document.objects.filter(customer=customer, is_active=True, date__lte=as_of).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0)


def _items_by_number(customer: Customer, numbers: Sequence[str], as_of: date) -> list[OpenDebit]:
    wanted = [n.strip() for n in numbers if n.strip()]
    debits = open_debits(customer, as_of)
    chosen = [d for d in debits if d.number in wanted]
    for number in wanted:
        if not any(d.number == number for d in chosen):
            known = Document.objects.filter(customer=customer, number=number, amount__gt=0)
            if known.exists():
                raise InvalidInputError(
                    "item_not_open",
                    f"item {number!r} of {customer.code!r} is not open on {as_of.isoformat()}",
                    item=number,
                )
            raise InvalidInputError(
                "unknown_item", f"unknown item {number!r} of {customer.code!r}", item=number
            )
    return chosen


@transaction.atomic
def do_add_promise(
    company: Company,
    customer_code: str,
    amount: str,
    promised_date: date,
    *,
    today: date,
    items: Sequence[str] = (),
    note: str = "",
    username: str = "cli",
) -> Promise:
    """Record a promise to pay ``amount`` by ``promised_date`` on some items (all open, by default).

    Refused: a date in the past, an amount over what is owed, an unknown customer or item.
    """
    customer = get_customer(company, customer_code)
    cents = parse_amount(amount)
    if promised_date < today:
        raise InvalidInputError(
            "promise_in_past",
            f"a promise is for today or later: {promised_date.isoformat()} is before {today.isoformat()}",
        )
    debits = _items_by_number(customer, items, today) if items else open_debits(customer, today)
    owed = sum(d.open for d in debits) if items else customer_balance(customer, today)
    if not debits or owed <= 0:
        raise InvalidInputError(
            "nothing_owed", f"{customer.code!r} owes nothing on {today.isoformat()}"
        )
    if cents > owed:
        raise InvalidInputError(
            "promise_over_owed",
            f"a promise of {format_cents(cents)} is more than the {format_cents(owed)} owed",
            amount=format_cents(cents),
            owed=format_cents(owed),
        )
    settings = CollectionSettings.objects.filter(company=company).first()
    promise = Promise.objects.create(
        company=company,
        customer=customer,
        amount=cents,
        promised_date=promised_date,
        grace_days=settings.promise_grace_days if settings is not None else 3,
        made_on=today,
        note=note,
        created_by=username,
    )
    promise.items.set([d.id for d in debits])
    record(
        "promise_added",
        company_id=company.pk,
        actor=Actor(username=username),
        object_type="customer",
        object_ref=customer.code,
        after={
            "amount": format_cents(cents),
            "date": promised_date.isoformat(),
            "items": [d.number for d in debits],
        },
    )
    return promise


@dataclass(frozen=True)
class DisputeOutcome:
    disputes: list[Dispute]
    created: bool


@transaction.atomic
def do_add_dispute(
    company: Company,
    customer_code: str,
    item: str,
    reason: str,
    *,
    today: date,
    note: str = "",
    username: str = "cli",
) -> DisputeOutcome:
    """Open a dispute on an item (each of its debits); the same dispute again changes nothing."""
    customer = get_customer(company, customer_code)
    if reason not in REASONS:
        raise InvalidInputError(
            "bad_reason",
            f"unknown reason {reason!r}: {', '.join(REASONS)}",
            reason=reason,
        )
    docs = list(
        Document.objects.filter(customer=customer, number=item, amount__gt=0, is_active=True)
    )
    if not docs:
        raise InvalidInputError(
            "unknown_item", f"unknown item {item!r} of {customer.code!r}", item=item
        )
    open_now = {
        d.item_id: d for d in Dispute.objects.filter(item__in=docs, status=Dispute.Status.OPEN)
    }
    if open_now and all(d.id in open_now for d in docs):
        existing = list(open_now.values())
        if all(e.reason == reason for e in existing):
            return DisputeOutcome(existing, False)
        raise InvalidInputError(
            "already_disputed",
            f"item {item!r} is already disputed ({existing[0].reason}) "
            f"since {existing[0].opened_on.isoformat()}",
            item=item,
        )
    created = [
        Dispute.objects.create(
            company=company,
            customer=customer,
            item=d,
            reason=reason,
            note=note,
            opened_on=today,
            created_by=username,
        )
        for d in docs
        if d.id not in open_now
    ]
    record(
        "dispute_opened",
        company_id=company.pk,
        actor=Actor(username=username),
        object_type="customer",
        object_ref=customer.code,
        after={"item": item, "reason": reason},
    )
    return DisputeOutcome(created, True)


def close_task(task: Task, outcome: str, actor: Actor, today: date, note: str = "") -> None:
    """The task is done with its outcome (and the note, if any, in place of its own); audited."""
    task.status, task.outcome, task.done_on, task.done_by = (
        Task.Status.DONE,
        outcome,
        today,
        actor.username,
    )
    task.note = (note or task.note)[:1000]
    task.save(update_fields=["status", "outcome", "done_on", "done_by", "note"])
    record(
        "task_done",
        company_id=task.company_id,
        actor=actor,
        object_type="customer",
        object_ref=task.customer.code,
        after={"task": task.kind, "outcome": outcome, "note": note[:200]},
    )


def close_dispute_tasks(dispute_ids: Sequence[int], actor: Actor, today: date) -> int:
    """The open tasks about disputes just closed (a dispute raised through the portal asks
    the collector to look into it) are done: the worklist keeps nothing left to do."""
    tasks = (
        Task.objects.select_for_update()
        .select_related("customer")
        .filter(dispute_id__in=list(dispute_ids), status=Task.Status.OPEN)
        .order_by("id")
    )
    count = 0
    for task in tasks:
        close_task(task, Task.Outcome.DONE, actor, today)
        count += 1
    return count


@transaction.atomic
def do_close_dispute(
    company: Company, customer_code: str, item: str, *, today: date, username: str = "cli"
) -> int:
    """Close the open disputes of an item; the import's flag no longer reopens them."""
    customer = get_customer(company, customer_code)
    disputes = Dispute.objects.filter(
        customer=customer, item__number=item, status=Dispute.Status.OPEN
    )
    ids = list(disputes.values_list("pk", flat=True))
    count = disputes.update(status=Dispute.Status.CLOSED, closed_on=today, closed_by=username)
    if not count:
        raise InvalidInputError(
            "not_disputed", f"item {item!r} of {customer.code!r} is not disputed", item=item
        )
    record(
        "dispute_closed",
        company_id=company.pk,
        actor=Actor(username=username),
        object_type="customer",
        object_ref=customer.code,
        before={"item": item},
    )
    close_dispute_tasks(ids, Actor(username=username), today)
    return count


def do_sync_imported_disputes(company: Company, today: date) -> tuple[int, int]:
    """Disputes for the items the invoices import flags ``disputed``, set-based.

    A flagged item without a dispute gets one (reason ``other``, source import),
    unless a user closed one on it or it is paid; an import dispute whose item lost the
    flag, or was paid in full by ``today``, is closed. Returns (opened, closed).
    """

    def settled(item: str) -> Coalesce:
        """What the item's allocations dated by ``today`` settle of it (correlated)."""
        total = (
            Allocation.objects.filter(invoice_id=OuterRef(item), date__lte=today)
            .order_by()
            .values("invoice_id")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return Coalesce(Subquery(total[:1]), 0)

    with transaction.atomic():
        closed = (
            Dispute.objects.filter(
                company=company,
                source=Dispute.Source.IMPORT,
                status=Dispute.Status.OPEN,
            )
            .annotate(settled=settled("item_id"))
            .filter(
                Q(item__disputed=False)
                | Q(item__is_active=False)
                | Q(item__amount__gt=0, settled__gte=F("item__amount"))
            )
        )
        # by id: an UPDATE cannot carry the join the paid test reads the item's amount through
        closed_count = Dispute.objects.filter(
            pk__in=list(closed.values_list("pk", flat=True))
        ).update(status=Dispute.Status.CLOSED, closed_on=today, closed_by=IMPORT_USER)
        settled_by_user = (
            Dispute.objects.filter(company=company, status=Dispute.Status.CLOSED)
            .exclude(closed_by=IMPORT_USER)
            .values("item_id")
        )
        flagged = (
            Document.objects.filter(company=company, disputed=True, is_active=True)
            .exclude(
                id__in=Dispute.objects.filter(company=company, status=Dispute.Status.OPEN).values(
                    "item_id"
                )
            )
            .exclude(id__in=settled_by_user)
            .annotate(settled=settled("pk"))
            .exclude(amount__gt=0, settled__gte=F("amount"))
            .values_list("id", "customer_id")
        )
        new = [
            Dispute(
                company=company,
                customer_id=customer_id,
                item_id=item_id,
                reason=Dispute.Reason.OTHER,
                source=Dispute.Source.IMPORT,
                opened_on=today,
                created_by=IMPORT_USER,
            )
            for item_id, customer_id in flagged
        ]
        Dispute.objects.bulk_create(new, batch_size=2000)
        if new or closed_count:
            record(
                "disputes_from_import",
                company_id=company.pk,
                actor=Actor(username=IMPORT_USER),
                object_type="dispute",
                after={"opened": len(new), "closed": closed_count},
            )
    return len(new), closed_count


def do_record_actions(company: Company, actions: Sequence[Action], as_of: date) -> int:
    """Remember each action's step for every item of its message: never sent again for them."""
    ids = dict(
        Customer.objects.filter(
            company=company, code__in=[a.customer for a in actions]
        ).values_list("code", "id")
    )
    rows = [
        StepSent(
            company=company,
            customer_id=ids[a.customer],
            item_id=int(item.id),
            step_key=a.step.key,
            sent_on=as_of,
        )
        for a in actions
        for item in a.items
    ]
    with transaction.atomic():
        StepSent.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def do_resolve_promises(company: Company, as_of: date) -> dict[str, int]:
    """Mark open promises kept (their items received the amount by the date plus grace) or broken."""
    promises = {
        p.id: p
        for p in Promise.objects.filter(
            company=company, status=Promise.Status.OPEN, made_on__lte=as_of
        ).select_related("customer")
    }
    links = Promise.items.through.objects.filter(promise_id__in=list(promises)).values_list(
        "promise_id", "document_id"
    )
    items_of: dict[int, list[int]] = {}
    for promise_id, item_id in links:
        items_of.setdefault(promise_id, []).append(item_id)
    receipts: dict[int, list[tuple[date, int]]] = {}
    for item_id, day, cents in Allocation.objects.filter(
        invoice_id__in=[i for ids in items_of.values() for i in ids], date__lte=as_of
    ).values_list("invoice_id", "date", "amount"):
        receipts.setdefault(item_id, []).append((day, cents))
    counts = {"kept": 0, "broken": 0}
    with transaction.atomic():
        for promise_id, promise in promises.items():
            paid = [r for i in items_of.get(promise_id, []) for r in receipts.get(i, [])]
            last_day = promise.promised_date + timedelta(days=promise.grace_days)
            outcome = promise_outcome(promise.amount, promise.made_on, last_day, paid, as_of)
            if outcome.status == "open":
                continue
            Promise.objects.filter(id=promise_id).update(
                status=outcome.status, resolved_on=outcome.resolved_on
            )
            counts[outcome.status] += 1
            record(
                f"promise_{outcome.status}",
                company_id=company.pk,
                actor=Actor(username="run"),
                object_type="customer",
                object_ref=promise.customer.code,
                after={
                    "amount": format_cents(promise.amount),
                    "received": format_cents(outcome.received),
                },
            )
    return counts
