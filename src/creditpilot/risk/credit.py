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
from datetime import date, timedelta

from django.db import connection

from creditpilot.companies.models import Company
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document
from creditpilot.risk.models import COLLECTIVE_PROCEEDINGS, ExternalEvent, Order, RiskScore
from creditpilot.risk.policy import GUARANTEES, guarantee_held, policy_guarantee

DOC, ALLOC = Document._meta.db_table, Allocation._meta.db_table
ORDER, EVENT, SCORE = Order._meta.db_table, ExternalEvent._meta.db_table, RiskScore._meta.db_table
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
    facts = _facts(customer, today)
    exposure = facts.owed + facts.ordered  # what it owes, and what it ordered not yet invoiced
    refuse, hold = [], []
    if facts.proceedings:
        refuse.append("collective proceedings published: no sale on credit")
    rating = customer.rating or facts.scored_rating
    if rating == "E":
        refuse.append("rating E")
    elif rating == "D":
        hold.append("rating D: a person decides")
    if exposure > 0 and facts.late_item:
        hold.append(f"an item is over {LATE_DAYS} days past due")
    limit = customer.credit_limit
    if limit is not None and exposure + amount > limit:
        hold.append(
            f"the order takes the exposure to {format_cents(exposure + amount)}, over the "
            f"limit of {format_cents(limit)}"
        )
    if limit is None and amount > NO_LIMIT_CEILING:
        hold.append(f"no credit limit set, and the order is over {format_cents(NO_LIMIT_CEILING)}")
    required = policy_guarantee(company, rating)
    if required not in ("none", "prepayment") and not guarantee_held(customer, required, today):
        hold.append(f"the credit policy asks for {GUARANTEES[required][1]} at rating {rating}")
    decision = "refuse" if refuse else "hold" if hold else "accept"
    return CreditCheck(customer.code, amount, decision, refuse + hold, exposure, limit, rating)


@dataclass(frozen=True)
class _Facts:
    owed: int
    ordered: int
    proceedings: bool
    scored_rating: str
    late_item: bool  # a debit over 60 days past due still open (its allocations short of it)


def _facts(customer: Customer, today: date) -> _Facts:
    """What the check needs of the store, in one round trip (the check answers an order
    system while it waits: its time is in the queries' overhead, not in their work)."""
    kinds = ", ".join(["%s"] * len(COLLECTIVE_PROCEEDINGS))
    # each table read through an index that leads with the company (the ledger's indexes do)
    sql = f"""
        SELECT
          (SELECT COALESCE(SUM(amount), 0) FROM {DOC}
            WHERE company_id = %s AND customer_id = %s AND is_active AND date <= %s),
          (SELECT COALESCE(SUM(amount), 0) FROM {ORDER} WHERE company_id = %s AND customer_id = %s),
          EXISTS (SELECT 1 FROM {EVENT}
            WHERE customer_id = %s AND kind IN ({kinds}) AND day <= %s),
          (SELECT rating FROM {SCORE} WHERE customer_id = %s AND day <= %s
            ORDER BY day DESC LIMIT 1),
          EXISTS (SELECT 1 FROM {DOC} d
            WHERE d.company_id = %s AND d.customer_id = %s AND d.is_active AND d.amount > 0
              AND d.due_date < %s
              AND d.amount > COALESCE(
                (SELECT SUM(a.amount) FROM {ALLOC} a WHERE a.invoice_id = d.id), 0))
    """
    company, pk = customer.company_id, customer.pk
    params: list[object] = [company, pk, today, company, pk, pk]
    params += [str(k) for k in COLLECTIVE_PROCEEDINGS]
    params += [today, pk, today, company, pk, today - timedelta(days=LATE_DAYS)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        owed, ordered, proceedings, rating, late = cursor.fetchone()
    return _Facts(int(owed), int(ordered), bool(proceedings), rating or "", bool(late))
