"""The credit check: may this customer take an order of this amount on credit, now?

``accept``, ``hold`` (a person decides) or ``refuse``, with the reasons, the exposure
(what the customer owes today, and its orders not yet invoiced) and the room left under
its limit after the order:

- refuse: collective proceedings published, or rating E;
- hold: rating D, an item over 60 days past due, the order taking the exposure over the
  credit limit, no credit limit set for an order over the no-limit ceiling (5,000 EUR), or
  a guarantee the credit policy asks for at the customer's rating and that is not held;
- accept otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum

from creditpilot.companies.models import Company
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document
from creditpilot.risk.behaviour import latest_score
from creditpilot.risk.models import COLLECTIVE_PROCEEDINGS, ExternalEvent
from creditpilot.risk.orders import open_orders
from creditpilot.risk.policy import DEFAULT_POLICY, GUARANTEES, company_policy, guarantee_held

NO_LIMIT_CEILING = 5_000_00  # cents an order may reach without a limit set
LATE_DAYS = 60


@dataclass(frozen=True)
class CreditCheck:
    customer: str
    amount: int
    decision: str
    reasons: list[str] = field(default_factory=list)
    exposure: int = 0
    limit: int | None = None
    rating: str = ""

    def as_json(self) -> dict[str, object]:
        after = self.exposure + self.amount
        return {
            "customer": self.customer,
            "amount": format_cents(self.amount),
            "decision": self.decision,
            "reasons": self.reasons,
            "rating": self.rating,
            "exposure": format_cents(self.exposure),
            "exposure_after": format_cents(after),
            "limit": format_cents(self.limit) if self.limit is not None else None,
            "room_after": format_cents(self.limit - after) if self.limit is not None else None,
        }


def credit_check(company: Company, customer: Customer, amount: int, today: date) -> CreditCheck:
    documents = Document.objects.filter(customer=customer, is_active=True, date__lte=today)
    # what it owes, and what it ordered that is not invoiced yet
    exposure = int(documents.aggregate(total=Sum("amount"))["total"] or 0) + open_orders(customer)
    refuse, hold = [], []
    if ExternalEvent.objects.filter(
        customer=customer, kind__in=COLLECTIVE_PROCEEDINGS, day__lte=today
    ).exists():
        refuse.append("collective proceedings published: no sale on credit")
    score = latest_score(customer, today)
    rating = customer.rating or (score.rating if score else "")
    if rating == "E":
        refuse.append("rating E")
    elif rating == "D":
        hold.append("rating D: a person decides")
    if exposure > 0 and _late_item(customer, today):
        hold.append(f"an item is over {LATE_DAYS} days past due")
    limit = customer.credit_limit
    if limit is not None and exposure + amount > limit:
        hold.append(
            f"the order takes the exposure to {format_cents(exposure + amount)}, over the "
            f"limit of {format_cents(limit)}"
        )
    if limit is None and amount > NO_LIMIT_CEILING:
        hold.append(f"no credit limit set, and the order is over {format_cents(NO_LIMIT_CEILING)}")
    required = company_policy(company)[rating].guarantee if rating in DEFAULT_POLICY else "none"
    if required not in ("none", "prepayment") and not guarantee_held(customer, required, today):
        hold.append(f"the credit policy asks for {GUARANTEES[required][1]} at rating {rating}")
    decision = "refuse" if refuse else "hold" if hold else "accept"
    return CreditCheck(customer.code, amount, decision, refuse + hold, exposure, limit, rating)


def _late_item(customer: Customer, today: date) -> bool:
    """Whether a debit over 60 days past due is still open (its allocations short of it)."""
    late = (
        Document.objects.filter(
            customer=customer,
            is_active=True,
            amount__gt=0,
            due_date__lt=date.fromordinal(today.toordinal() - LATE_DAYS),
        )
        .annotate(paid=Sum("settled_by__amount"))
        .values_list("amount", "paid")
    )
    return any(amount - (paid or 0) > 0 for amount, paid in late)
