"""The collector's worklist: the open tasks of the day, ranked by the cash they may bring in.

Each task is ranked by its expected cash impact: the amount at stake times the
chance that the customer pays after the action. The chance is a transparent
rule, said on the page: it starts from the kind of task (an approved formal
notice is the most effective, a call next, a missing address the least), and
falls with the age of the debt — a debt loses a fifth of its chance every 36
days late (floor: a fifth of it) — and by half when the customer broke a
promise. The base chance of each kind is in ``BASE_CHANCE``.

Outcomes are recorded in one transaction each, audited: a call reached, no
answer (the call comes back the next business day), a wrong contact (a task
asks for the right one), a promise (through the promise service), a dispute
(through the dispute service); an approval approves every message of the step
(the email goes out with the next sending, the letter into the day's print
file) or rejects them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from creditpilot.audit.services import Actor, record
from creditpilot.collections.models import (
    CustomerProfile,
    Dispute,
    DoNotDun,
    Message,
    Promise,
    Task,
)
from creditpilot.collections.services import (
    close_task,
    do_add_dispute,
    do_add_promise,
    open_debits,
)
from creditpilot.companies.models import Company
from creditpilot.core.calendar import BusinessCalendar
from creditpilot.core.errors import InvalidInputError, NotFoundError
from creditpilot.customers.models import Customer
from creditpilot.reports.models import CustomerPosition
from creditpilot.reports.positions import positions

# the chance a customer pays after each kind of action, before the age of its debt
BASE_CHANCE: dict[str, Decimal] = {
    Task.Kind.APPROVAL: Decimal("0.60"),
    Task.Kind.CALL: Decimal("0.50"),
    Task.Kind.CHECK_DELIVERY: Decimal("0.50"),
    Task.Kind.BROKEN_PROMISE: Decimal("0.40"),
    Task.Kind.ESCALATE_SALES: Decimal("0.40"),
    Task.Kind.PORTAL_PROMISE: Decimal("0.30"),
    Task.Kind.PORTAL_DISPUTE: Decimal("0.30"),
    Task.Kind.PLAN_REQUEST: Decimal("0.30"),
    Task.Kind.FOLLOW_UP: Decimal("0.30"),
    Task.Kind.SEND_FAILED: Decimal("0.30"),
    Task.Kind.BAD_ADDRESS: Decimal("0.30"),
    Task.Kind.NO_ADDRESS: Decimal("0.30"),
    Task.Kind.ESCALATE_MANAGEMENT: Decimal("0.25"),
    Task.Kind.CREDIT_HOLD: Decimal("0.20"),
}
DAYS_PER_FIFTH = 36
OUTCOMES_OF_CALLS = ("reached", "no_answer", "wrong_contact", "promise", "dispute")


def chance(kind: str, days_late: int, broke_a_promise: bool) -> Decimal:
    """The chance of payment after the action (the rule of the module's docstring).

    >>> chance("call", 0, False), chance("call", 72, False), chance("call", 400, True)
    (Decimal('0.50'), Decimal('0.30'), Decimal('0.05'))
    """
    base = BASE_CHANCE.get(kind, Decimal("0.30"))
    fifths = max(days_late, 0) // DAYS_PER_FIFTH
    factor = max(Decimal(1) - Decimal(fifths) / 5, Decimal("0.2"))
    result = base * factor * (Decimal("0.5") if broke_a_promise else 1)
    return result.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class WorkItem:
    task: Task
    customer: Customer
    open: int  # cents the customer owes
    overdue: int
    days_late: int  # of its oldest overdue item
    promises_broken: int
    disputes_open: int
    last_message: Message | None
    chance: Decimal

    @property
    def expected(self) -> int:
        """Expected cash impact, in cents: the amount at stake times the chance."""
        stake = self.task.amount or self.overdue
        return int((Decimal(stake) * self.chance).to_integral_value())


def worklist(
    company: Company, today: date, user_id: int | None = None, sales_rep: str | None = None
) -> list[WorkItem]:
    """The open tasks, with each customer's context, the most cash first.

    ``user_id``: only the tasks assigned to that user, or on the customers they collect;
    ``sales_rep``: only that rep's customers (a sales user sees their own, read-only)."""
    tasks = Task.objects.filter(company=company, status=Task.Status.OPEN).select_related(
        "customer", "message", "promise", "dispute__item"
    )
    if user_id is not None:
        tasks = tasks.filter(
            Q(assigned_to_id=user_id) | Q(customer__collection_profile__collector_id=user_id)
        )
    if sales_rep is not None:
        tasks = tasks.filter(customer__sales_rep=sales_rep)
    rows = list(tasks[:2000])
    ids = {t.customer_id for t in rows}
    snap = positions(company, today)
    position = {
        p.customer_id: p
        for p in CustomerPosition.objects.filter(snapshot=snap, customer_id__in=ids).only(
            "customer_id", "total", "overdue", "d1_30", "d31_60", "d61_90", "over_90"
        )
    }
    broken = dict(
        Promise.objects.filter(company=company, customer_id__in=ids, status=Promise.Status.BROKEN)
        .values_list("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    disputes = dict(
        Dispute.objects.filter(company=company, customer_id__in=ids, status=Dispute.Status.OPEN)
        .values_list("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    last: dict[int, Message] = {}
    for message in Message.objects.filter(
        company=company, customer_id__in=ids, status=Message.Status.SENT
    ).order_by("day", "id"):
        last[message.customer_id] = message
    oldest = _oldest_days_late({t.customer_id: t.customer for t in rows}, today)
    items = []
    for task in rows:
        pos = position.get(task.customer_id)
        days = oldest.get(task.customer_id, 0)
        items.append(
            WorkItem(
                task,
                task.customer,
                pos.total if pos else 0,
                pos.overdue if pos else 0,
                days,
                broken.get(task.customer_id, 0),
                disputes.get(task.customer_id, 0),
                last.get(task.customer_id),
                chance(task.kind, days, broken.get(task.customer_id, 0) > 0),
            )
        )
    items.sort(key=lambda i: (-i.expected, i.customer.code, i.task.pk))
    return items


def _oldest_days_late(customers: dict[int, Customer], today: date) -> dict[int, int]:
    """Days late of each customer's oldest debit still open today (0 when none is overdue)."""
    late: dict[int, int] = {}
    for customer_id, customer in customers.items():
        debits = open_debits(customer, today)
        late[customer_id] = max((today - debits[0].due_date).days, 0) if debits else 0
    return late


# --- outcomes ------------------------------------------------------------------------------


def _open_task(company: Company, task_id: int) -> Task:
    task = (
        Task.objects.select_for_update()
        .select_related("customer")
        .filter(company=company, pk=task_id)
        .first()
    )
    if task is None:
        raise NotFoundError("task_not_found", f"no task {task_id}")
    if task.status != Task.Status.OPEN:
        raise InvalidInputError("task_closed", f"task {task_id} is already closed")
    return task


@transaction.atomic
def do_call_outcome(
    company: Company, task_id: int, outcome: str, actor: Actor, today: date, note: str = ""
) -> Task:
    """A call (or any task worked by phone) reached, unanswered or with a wrong contact."""
    if outcome not in ("reached", "no_answer", "wrong_contact", "done"):
        raise InvalidInputError("bad_outcome", f"unknown outcome {outcome!r}")
    task = _open_task(company, task_id)
    close_task(task, outcome, actor, today, note)
    if outcome == "no_answer":
        again = BusinessCalendar.france().next_business_day(today + timedelta(days=1))
        Task.objects.get_or_create(
            company=company,
            customer=task.customer,
            key=f"call_again:{task.pk}",
            defaults={
                "kind": Task.Kind.CALL,
                "day": again,
                "step_key": task.step_key,
                "amount": task.amount,
                "assigned_to_id": task.assigned_to_id,
                "note": note,
            },
        )
    elif outcome == "wrong_contact":
        Task.objects.get_or_create(
            company=company,
            customer=task.customer,
            key=f"contact:{task.pk}",
            defaults={
                "kind": Task.Kind.NO_ADDRESS,
                "day": today,
                "step_key": task.step_key,
                "amount": task.amount,
                "assigned_to_id": task.assigned_to_id,
                "note": note or "wrong contact",
            },
        )
    return task


@transaction.atomic
def do_promise_outcome(
    company: Company,
    task_id: int,
    amount: str,
    promised_date: date,
    actor: Actor,
    today: date,
    items: Sequence[str] = (),
    note: str = "",
) -> Promise:
    """The customer promised to pay: the promise is recorded, the task is done."""
    task = _open_task(company, task_id)
    promise = do_add_promise(
        company,
        task.customer.code,
        amount,
        promised_date,
        today=today,
        items=items,
        note=note,
        username=actor.username,
    )
    close_task(task, Task.Outcome.PROMISE, actor, today, note)
    return promise


@transaction.atomic
def do_dispute_outcome(
    company: Company,
    task_id: int,
    item: str,
    reason: str,
    actor: Actor,
    today: date,
    note: str = "",
) -> Task:
    """The customer disputes an item: the dispute is opened, the task is done."""
    task = _open_task(company, task_id)
    do_add_dispute(
        company, task.customer.code, item, reason, today=today, note=note, username=actor.username
    )
    close_task(task, Task.Outcome.DISPUTE, actor, today, note)
    return task


@transaction.atomic
def do_decide_approval(
    company: Company, task_id: int, approve: bool, actor: Actor, today: date, note: str = ""
) -> int:
    """Approve (or reject) the messages of a step that waits: returns how many were decided."""
    task = _open_task(company, task_id)
    if task.kind != Task.Kind.APPROVAL:
        raise InvalidInputError("not_an_approval", f"task {task_id} is not an approval")
    waiting = Message.objects.filter(
        company=company,
        customer=task.customer,
        step_key=task.step_key,
        day=task.day,
        status=Message.Status.AWAITING_APPROVAL,
    )
    now = timezone.now()
    decided = 0
    for message in waiting:
        if not approve:
            message.status = Message.Status.REJECTED
        elif message.channel == Message.Channel.LETTER:
            message.status, message.sent_at = Message.Status.SENT, now  # into the print file
        else:
            message.status = Message.Status.PENDING
        message.approved_by, message.approved_at = actor.username, now
        message.save(update_fields=["status", "sent_at", "approved_by", "approved_at"])
        decided += 1
    close_task(
        task, Task.Outcome.APPROVED if approve else Task.Outcome.REJECTED, actor, today, note
    )
    return decided


@transaction.atomic
def do_approve_message(company: Company, message_id: int, actor: Actor, today: date) -> int:
    """Approve the step of a message waiting for approval (through its approval task)."""
    message = Message.objects.filter(company=company, pk=message_id).first()
    if message is None:
        raise NotFoundError("message_not_found", f"no message {message_id}")
    if message.status != Message.Status.AWAITING_APPROVAL:
        raise InvalidInputError("not_waiting", f"message {message_id} is not awaiting approval")
    task = Task.objects.filter(
        company=company,
        customer_id=message.customer_id,
        kind=Task.Kind.APPROVAL,
        step_key=message.step_key,
        day=message.day,
        status=Task.Status.OPEN,
    ).first()
    if task is None:
        task = Task.objects.create(
            company=company,
            customer_id=message.customer_id,
            kind=Task.Kind.APPROVAL,
            key=f"approval:{message.step_key}:{message.day.isoformat()}:{message.pk}",
            day=message.day,
            step_key=message.step_key,
            amount=message.amount,
        )
    return do_decide_approval(company, task.pk, True, actor, today)


@transaction.atomic
def do_set_collection_profile(
    company: Company,
    customer: Customer,
    *,
    collector_id: int | None,
    key_customer: bool,
    actor: Actor,
) -> bool:
    """Who collects the customer, and whether it is a key customer (gentler wording, the
    sales rep asked before a formal notice); audited. Returns whether anything changed."""
    profile, _created = CustomerProfile.objects.select_for_update().get_or_create(
        customer=customer, defaults={"company": company}
    )
    before = {"collector": profile.collector_id, "key_customer": profile.key_customer}
    after = {"collector": collector_id, "key_customer": key_customer}
    if before == after:
        return False
    profile.collector_id, profile.key_customer = collector_id, key_customer
    profile.save(update_fields=["collector", "key_customer"])
    record(
        "collection_profile_changed",
        company_id=company.pk,
        actor=actor,
        object_type="customer",
        object_ref=customer.code,
        before=before,
        after=after,
    )
    return True


@transaction.atomic
def do_pause_dunning(
    company: Company,
    customer: Customer,
    reason: str,
    until: date | None,
    actor: Actor,
    today: date,
) -> DoNotDun:
    """Leave the customer out of dunning from today until ``until`` (None: until lifted)."""
    if not reason.strip():
        raise InvalidInputError("pause_reason", "say why the customer is not to be dunned")
    if until is not None and until < today:
        raise InvalidInputError("pause_in_past", "the end of the pause is in the past")
    pause = DoNotDun.objects.create(
        company=company,
        customer=customer,
        reason=reason.strip()[:500],
        since=today,
        until=until,
        created_by=actor.username,
    )
    record(
        "dunning_paused",
        company_id=company.pk,
        actor=actor,
        object_type="customer",
        object_ref=customer.code,
        after={"reason": pause.reason, "until": until.isoformat() if until else None},
    )
    return pause


@transaction.atomic
def do_resume_dunning(company: Company, customer: Customer, actor: Actor, today: date) -> int:
    """End the customer's pauses: dunning takes it again from tomorrow's run."""
    active = DoNotDun.objects.filter(company=company, customer=customer, since__lte=today).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )
    count = active.update(until=today - timedelta(days=1))
    if count:
        record(
            "dunning_resumed",
            company_id=company.pk,
            actor=actor,
            object_type="customer",
            object_ref=customer.code,
        )
    return count


def active_pause(customer: Customer, today: date) -> DoNotDun | None:
    return (
        DoNotDun.objects.filter(customer=customer, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .order_by("-since", "-id")
        .first()
    )
