"""What a dunning message says, read from the store as plain values (``MessageFacts``).

One read per run: the documents of every action's items and the day's interest
report, so that deciding a thousand messages costs two queries, not a thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from creditpilot.collections.interest import interest_report
from creditpilot.companies.models import Company
from creditpilot.core.dunning import Action
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document


@dataclass(frozen=True)
class ItemFacts:
    number: str
    date: date
    due_date: date
    open: int  # cents
    interest: int = 0  # cents at the day
    indemnity: int = 0  # cents


@dataclass(frozen=True)
class MessageFacts:
    """Who, which items, how much, when: what a template may say."""

    company: Company
    customer_code: str
    customer_name: str
    customer_address: str
    step_name: str
    as_of: date
    items: tuple[ItemFacts, ...]
    currency: str = "EUR"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(i.open for i in self.items)

    @property
    def interest(self) -> int:
        return sum(i.interest for i in self.items)

    @property
    def indemnity(self) -> int:
        return sum(i.indemnity for i in self.items)


def actions_facts(
    company: Company, actions: Sequence[Action], as_of: date
) -> dict[str, MessageFacts]:
    """The facts of each action's message, by customer code."""
    ids = [int(i.id) for a in actions for i in a.items]
    dates = dict(Document.objects.filter(id__in=ids).values_list("id", "date")) if ids else {}
    charges = (
        {line.item_id: line for line in interest_report(company, as_of).items} if actions else {}
    )
    customers = {
        c.code: c
        for c in Customer.objects.filter(company=company, code__in=[a.customer for a in actions])
    }
    facts = {}
    for action in actions:
        customer = customers[action.customer]
        items = []
        for item in action.items:
            charge = charges.get(int(item.id))
            items.append(
                ItemFacts(
                    item.number,
                    dates[int(item.id)],
                    item.due_date,
                    item.open,
                    charge.interest if charge else 0,
                    charge.indemnity if charge else 0,
                )
            )
        facts[action.customer] = MessageFacts(
            company,
            customer.code,
            customer.name,
            customer.address,
            action.step.name,
            as_of,
            tuple(items),
            company.currency,
        )
    return facts


def customer_facts(
    company: Company, customer: Customer, as_of: date, step_name: str = ""
) -> MessageFacts:
    """The facts of a message to ``customer`` about all its items open and due at ``as_of``
    (the template preview)."""
    charges = {line.item_id: line for line in interest_report(company, as_of, customer.pk).items}
    rows = (
        Document.objects.filter(customer=customer, is_active=True, amount__gt=0, date__lte=as_of)
        .filter(id__in=list(charges))
        .order_by("due_date", "id")
        .values_list("id", "number", "date", "due_date")
    )
    items = tuple(
        ItemFacts(number, day, due, charges[i].open, charges[i].interest, charges[i].indemnity)
        for i, number, day, due in rows
    )
    return MessageFacts(
        company,
        customer.code,
        customer.name,
        customer.address,
        step_name,
        as_of,
        items,
        company.currency,
    )


def sample_facts(company: Company | None = None) -> MessageFacts:
    """Made-up facts to try a template on (and to check it when it is saved)."""
    company = company or Company(
        name="Dupont Négoce", siren="552100554", iban="FR7630006000011234567890189"
    )
    return MessageFacts(
        company,
        "C001",
        "Martin SARL",
        "12 rue de la Paix\n75002 Paris",
        "Relance 1",
        date(2026, 7, 15),
        (
            ItemFacts("F2026-001", date(2026, 5, 2), date(2026, 6, 1), 1_200_00, 1_37, 40_00),
            ItemFacts("F2026-014", date(2026, 5, 20), date(2026, 6, 19), 350_50, 28, 40_00),
        ),
        extra={"portal_url": "https://creditpilot.example/portal/exemple/"},
    )
