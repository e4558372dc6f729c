"""Dunning (relances): which customer gets which step of its strategy today.

A strategy is an ordered list of steps, each a number of days from the due
date (negative: before it). A customer is dunned for all its items in one
message, at the step of its oldest unpaid item — the last step whose day that
item has reached. Items under dispute, or paused by a promise to pay until its
date plus the grace days, are left out, and so are customers marked
do-not-dun; when a promise breaks, dunning resumes at the step after the last
one sent. A step already sent for the oldest item is never sent again, nor
does dunning go back to an earlier step, and a first run sends each customer
only its current step, never the backlog of the steps it missed. A step with a
minimum amount is taken only when the items of the message reach it.

>>> from datetime import date, timedelta
>>> strategy = default_strategy()
>>> f1 = DueItem(1, "F1", date(2026, 5, 31), 120_000)
>>> f2 = DueItem(2, "F2", date(2026, 6, 20), 30_000)
>>> acme = CustomerCase("ACME", (f1, f2), strategy)
>>> [(a.customer, a.step.key, a.step.channel, a.numbers, a.amount) for a in due_actions([acme], date(2026, 6, 16))]
[('ACME', 'reminder_2', 'email', ['F1'], 120000)]
>>> sent = acme.with_sent({(1, "reminder_2")})
>>> due_actions([sent], date(2026, 6, 17))
[]
>>> disputed = CustomerCase("ACME", (DueItem(1, "F1", date(2026, 5, 31), 120_000, disputed=True), f2), strategy)
>>> [(a.step.key, a.numbers) for a in due_actions([disputed], date(2026, 6, 16))]
[('courtesy', ['F2'])]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from creditpilot.core.errors import InvalidInputError

CHANNELS = ("email", "letter", "call", "sms", "task")
CONSEQUENCES = ("none", "credit_hold", "escalate_sales", "escalate_management")
ItemId = int | str


class StrategyError(InvalidInputError):
    code = "bad_strategy"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a strategy; ``channel`` may join several with ``+`` (``letter+email``)."""

    key: str
    name: str
    days: int  # from the due date; negative = before it
    channel: str
    min_amount: int = 0  # cents the items of the message must reach
    needs_approval: bool = False
    consequence: str = "none"
    is_formal_notice: bool = False
    template: str = ""

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self.channel.split("+"))


@dataclass(frozen=True, slots=True)
class Strategy:
    """Ordered steps, chosen for a customer by segment, rating and amount owed."""

    name: str
    steps: tuple[Step, ...]
    segments: frozenset[str] = frozenset()  # empty: any segment
    ratings: frozenset[str] = frozenset()  # empty: any rating
    min_owed: int = 0  # cents

    def __post_init__(self) -> None:
        check_steps(self.steps)
        object.__setattr__(self, "steps", tuple(sorted(self.steps, key=lambda s: s.days)))

    def matches(self, segment: str, rating: str, owed: int) -> bool:
        return (
            (not self.segments or segment in self.segments)
            and (not self.ratings or rating in self.ratings)
            and owed >= self.min_owed
        )

    def step_at(self, days_past_due: int) -> Step | None:
        """The last step whose day ``days_past_due`` has reached, None before the first.

        >>> s = default_strategy()
        >>> [getattr(s.step_at(d), "key", None) for d in (-6, -5, 0, 1, 14, 15, 45, 400)]
        [None, 'courtesy', 'courtesy', 'reminder_1', 'reminder_1', 'reminder_2', 'formal_notice', 'escalation']
        """
        current = None
        for step in self.steps:
            if step.days <= days_past_due:
                current = step
        return current


def check_steps(steps: Sequence[Step]) -> None:
    """Refuse two steps on one day, two steps with one key, unknown channels or consequences.

    >>> check_steps([Step("a", "A", 1, "email"), Step("b", "B", 1, "email")])
    Traceback (most recent call last):
    ...
    creditpilot.core.dunning.StrategyError: two steps on day 1: 'a' and 'b'
    """
    by_day: dict[int, Step] = {}
    keys: set[str] = set()
    for step in steps:
        if step.days in by_day:
            raise StrategyError(
                "same_day_steps",
                f"two steps on day {step.days}: {by_day[step.days].key!r} and {step.key!r}",
                days=step.days,
            )
        if step.key in keys:
            raise StrategyError("same_step_key", f"two steps named {step.key!r}", key=step.key)
        unknown = [c for c in step.channels if c not in CHANNELS]
        if unknown:
            raise StrategyError(
                "bad_channel", f"unknown channel {unknown[0]!r}: {', '.join(CHANNELS)}"
            )
        if step.consequence not in CONSEQUENCES:
            raise StrategyError(
                "bad_consequence",
                f"unknown consequence {step.consequence!r}: {', '.join(CONSEQUENCES)}",
            )
        by_day[step.days] = step
        keys.add(step.key)


# named in French, as the letters of a French company; a company renames them at will
DEFAULT_STEPS: tuple[Step, ...] = (
    Step("courtesy", "Relance de courtoisie", -5, "email", min_amount=100_00),
    Step("reminder_1", "Relance 1", 1, "email"),
    Step("reminder_2", "Relance 2", 15, "email"),
    Step("reminder_3", "Relance 3 et appel", 30, "email+call"),
    Step(
        "formal_notice",
        "Mise en demeure (L441-10)",
        45,
        "letter+email",
        needs_approval=True,
        is_formal_notice=True,
    ),
    Step(
        "escalation",
        "Remontée à la direction, transmission proposée",
        60,
        "task",
        consequence="escalate_management",
    ),
)


def default_strategy() -> Strategy:
    """The strategy every new company starts with (issue 13)."""
    return Strategy("Standard", DEFAULT_STEPS)


def choose_strategy(
    strategies: Sequence[Strategy], default: Strategy, segment: str, rating: str, owed: int
) -> Strategy:
    """The first strategy that matches, else the default one."""
    for strategy in strategies:
        if strategy.matches(segment, rating, owed):
            return strategy
    return default


@dataclass(frozen=True, slots=True)
class DueItem:
    """An open debit of a customer at the run's date."""

    id: ItemId
    number: str
    due_date: date
    open: int  # cents
    disputed: bool = False
    promised_until: date | None = None  # a promise pauses it until this day included
    # a promise on it broke since its last step: dunning resumes at the next step
    resumes: bool = False

    def is_paused(self, as_of: date) -> bool:
        return self.disputed or (self.promised_until is not None and as_of <= self.promised_until)


@dataclass(frozen=True, slots=True)
class CustomerCase:
    customer: str
    items: tuple[DueItem, ...]
    strategy: Strategy
    # (item, step key) pairs already sent: a step is never sent twice for the item it is about
    sent: frozenset[tuple[ItemId, str]] = frozenset()
    do_not_dun: bool = False
    key_customer: bool = False

    def with_sent(self, sent: Iterable[tuple[ItemId, str]]) -> CustomerCase:
        return replace(self, sent=self.sent | frozenset(sent))


@dataclass(frozen=True, slots=True)
class Action:
    customer: str
    step: Step
    items: tuple[DueItem, ...]
    needs_approval: bool
    oldest: ItemId = field(compare=False, default=0)

    @property
    def numbers(self) -> list[str]:
        return [i.number for i in self.items]

    @property
    def amount(self) -> int:
        return sum(i.open for i in self.items)


def decide(case: CustomerCase, as_of: date) -> Action | None:
    """The action due today for one customer, None when nothing is due."""
    if case.do_not_dun:
        return None
    items = sorted(
        (i for i in case.items if i.open > 0 and not i.is_paused(as_of)),
        key=lambda i: (i.due_date, str(i.id)),
    )
    if not items:
        return None
    oldest = items[0]
    step = case.strategy.step_at((as_of - oldest.due_date).days)
    if oldest.resumes:
        step = _later(step, _next_after_sent(case, oldest.id))
    if step is None or _reached(case, oldest.id, step):
        return None
    # before the due date the message is about the items coming due; after it, the overdue ones
    horizon = min(step.days, 1)
    listed = tuple(i for i in items if (as_of - i.due_date).days >= horizon)
    if sum(i.open for i in listed) < step.min_amount:
        return None
    approval = step.needs_approval or (case.key_customer and step.is_formal_notice)
    return Action(case.customer, step, listed, approval, oldest.id)


def _next_after_sent(case: CustomerCase, item: ItemId) -> Step | None:
    """The step after the last one the item had, None when it had none (or had the last)."""
    sent = [s.days for s in case.strategy.steps if (item, s.key) in case.sent]
    if not sent:
        return None
    return next((s for s in case.strategy.steps if s.days > max(sent)), None)


def _later(one: Step | None, other: Step | None) -> Step | None:
    if one is None or other is None:
        return one or other
    return other if other.days > one.days else one


def _reached(case: CustomerCase, item: ItemId, step: Step) -> bool:
    """Whether the item has had this step, or a later one (strategies change; steps never go back)."""
    return any(s.days >= step.days for s in case.strategy.steps if (item, s.key) in case.sent)


def due_actions(cases: Iterable[CustomerCase], as_of: date) -> list[Action]:
    """Every customer's action due at ``as_of``, by customer."""
    actions = [a for a in (decide(c, as_of) for c in cases) if a is not None]
    actions.sort(key=lambda a: a.customer)
    return actions


@dataclass(frozen=True, slots=True)
class PromiseOutcome:
    status: str  # open, kept or broken
    received: int  # cents received on the promised items since the promise
    resolved_on: date | None = None


def promise_outcome(
    amount: int,
    made_on: date,
    last_day: date,
    receipts: Iterable[tuple[date, int]],
    as_of: date,
) -> PromiseOutcome:
    """Kept once the items received the amount by ``last_day`` (the date plus grace), else broken.

    ``receipts`` are the (date, cents) settled on the promised items.

    >>> pay = [(date(2026, 7, 2), 300_00), (date(2026, 7, 4), 200_00)]
    >>> promise_outcome(500_00, date(2026, 6, 30), date(2026, 7, 5), pay, date(2026, 7, 3))
    PromiseOutcome(status='open', received=30000, resolved_on=None)
    >>> promise_outcome(500_00, date(2026, 6, 30), date(2026, 7, 5), pay, date(2026, 7, 4))
    PromiseOutcome(status='kept', received=50000, resolved_on=datetime.date(2026, 7, 4))
    >>> promise_outcome(600_00, date(2026, 6, 30), date(2026, 7, 5), pay, date(2026, 7, 6))
    PromiseOutcome(status='broken', received=50000, resolved_on=datetime.date(2026, 7, 6))
    """
    received = 0
    for day, cents in sorted(receipts):
        if made_on <= day <= min(last_day, as_of):
            received += cents
            if received >= amount:
                return PromiseOutcome("kept", received, day)
    if as_of > last_day:
        return PromiseOutcome("broken", received, last_day + timedelta(days=1))
    return PromiseOutcome("open", received)
