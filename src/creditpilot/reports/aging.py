"""The aged balance from the store, set-based (SPEC §3).

Two grouped scans of covering indexes, whatever the number of lines: documents
by customer and bucket (credits in ``unapplied``), allocations by customer and
bucket of their invoice. A bucket is the debits' amounts minus what settles them at the date;
``unapplied`` is the credits minus what they settle.

The buckets are decided by comparing due dates with dates computed once from
``as_of``, so the same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import connection

from creditpilot.companies.models import Company
from creditpilot.core.aging import (
    ALL_BUCKETS,
    BUCKET_LIMITS,
    LAST_BUCKET,
    Buckets,
    due_date_bounds,
)
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document

DOC = Document._meta.db_table
ALLOC = Allocation._meta.db_table


def bucket_sql(column: str) -> str:
    """A CASE expression giving the bucket of a due date ``column``; takes ``_bounds(as_of)``.

    Generated from the core's bounds (``core.aging.BUCKET_LIMITS``): one rule, one place.

    >>> bucket_sql("due_date")  # doctest: +NORMALIZE_WHITESPACE
    "CASE WHEN due_date >= %s THEN 'not_due' WHEN due_date >= %s THEN '1_30'
     WHEN due_date >= %s THEN '31_60' WHEN due_date >= %s THEN '61_90' ELSE 'over_90' END"
    """
    whens = " ".join(f"WHEN {column} >= %s THEN '{name}'" for name, _ in BUCKET_LIMITS)
    return f"CASE {whens} ELSE '{LAST_BUCKET}' END"


def _bounds(as_of: date) -> list[date]:
    """The parameters of ``bucket_sql`` at ``as_of``, in its order."""
    return [bound for _, bound in due_date_bounds(as_of)]


@dataclass
class CustomerAging:
    customer_id: int
    code: str
    name: str
    buckets: Buckets


@dataclass
class AgingReport:
    company: Company
    as_of: date
    total: Buckets
    customers: list[CustomerAging]

    def as_json(self) -> dict[str, object]:
        total = self.total.as_json()
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.company.currency,
            "total": total["total"],
            "buckets": total["buckets"],
            "customers": [
                {"code": c.code, "name": c.name, **c.buckets.as_json()} for c in self.customers
            ],
        }


# ``report aging --by``: the customers' buckets summed by one of their fields
GROUPINGS = ("customer", "segment", "sales_rep", "currency")


@dataclass
class AgingGroup:
    key: str  # the field's value; empty for customers without one
    buckets: Buckets


@dataclass
class GroupedAging:
    """The aged balance by segment, sales rep or currency (the customer's currency;
    amounts stay in the company's currency)."""

    company: Company
    as_of: date
    by: str
    total: Buckets
    groups: list[AgingGroup]

    def as_json(self) -> dict[str, object]:
        total = self.total.as_json()
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.company.currency,
            "by": self.by,
            "total": total["total"],
            "buckets": total["buckets"],
            "groups": [{"key": g.key, **g.buckets.as_json()} for g in self.groups],
        }


def group_aging(report: AgingReport, by: str) -> GroupedAging:
    """The report's customers summed by their ``by`` field (``segment``, ``sales_rep``,
    ``currency``), groups in key order; the total is the report's."""
    if by not in GROUPINGS[1:]:
        raise ValueError(f"cannot group the aged balance by {by!r}")
    key_of = dict(Customer.objects.filter(company=report.company).values_list("id", by))
    groups: dict[str, Buckets] = defaultdict(Buckets)
    for c in report.customers:
        groups[key_of.get(c.customer_id) or ""].merge(c.buckets)
    return GroupedAging(
        report.company,
        report.as_of,
        by,
        report.total,
        [AgingGroup(key, groups[key]) for key in sorted(groups)],
    )


def aged_buckets_by_customer(
    company_id: int, as_of: date, customer_id: int | None = None
) -> dict[int, Buckets]:
    """Buckets in cents of every customer with an open item at ``as_of``."""
    case = bucket_sql("due_date")
    bounds = _bounds(as_of)
    only = " AND customer_id = %s" if customer_id is not None else ""
    extra = [customer_id] if customer_id is not None else []
    result: dict[int, Buckets] = defaultdict(Buckets)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT customer_id, CASE WHEN amount < 0 THEN 'unapplied' ELSE {case} END AS b, SUM(amount) "
            f"FROM {DOC} WHERE company_id = %s AND date <= %s AND is_active{only} GROUP BY customer_id, b",
            [*bounds, company_id, as_of, *extra],
        )
        for cid, bucket, cents in cur.fetchall():
            result[cid].cents[bucket] += int(cents)
        cur.execute(
            f"SELECT customer_id, {case} AS b, SUM(amount) FROM {ALLOC} "
            f"WHERE company_id = %s AND date <= %s{only} GROUP BY customer_id, b",
            [*bounds, company_id, as_of, *extra],
        )
        for cid, bucket, cents in cur.fetchall():
            result[cid].cents[bucket] -= int(cents)
            result[cid].cents["unapplied"] += int(cents)
    return {cid: b for cid, b in result.items() if any(b.cents.values())}


def aging_report(company: Company, as_of: date, sales_rep: str | None = None) -> AgingReport:
    """The aged balance; with ``sales_rep``, only that rep's customers (and their totals)."""
    by_customer = aged_buckets_by_customer(company.id, as_of)
    customers_qs = Customer.objects.filter(id__in=list(by_customer))
    if sales_rep is not None:
        customers_qs = Customer.objects.filter(company=company, sales_rep=sales_rep)
    names = {
        cid: (code, name) for cid, code, name in customers_qs.values_list("id", "code", "name")
    }
    by_customer = {cid: b for cid, b in by_customer.items() if cid in names}
    total = Buckets()
    customers = []
    for cid, buckets in by_customer.items():
        total.merge(buckets)
        code, name = names[cid]
        customers.append(CustomerAging(cid, code, name, buckets))
    customers.sort(key=lambda c: c.code)
    return AgingReport(company, as_of, total, customers)


def aged_totals(company: Company, as_of: date) -> Buckets:
    """The company's buckets at ``as_of``, without the split by customer."""
    case = bucket_sql("due_date")
    bounds = _bounds(as_of)
    total = Buckets()
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT CASE WHEN amount < 0 THEN 'unapplied' ELSE {case} END AS b, SUM(amount) "
            f"FROM {DOC} WHERE company_id = %s AND date <= %s AND is_active GROUP BY b",
            [*bounds, company.id, as_of],
        )
        for bucket, cents in cur.fetchall():
            total.cents[bucket] += int(cents)
        cur.execute(
            f"SELECT {case} AS b, SUM(amount) FROM {ALLOC} WHERE company_id = %s AND date <= %s GROUP BY b",
            [*bounds, company.id, as_of],
        )
        for bucket, cents in cur.fetchall():
            total.cents[bucket] -= int(cents)
            total.cents["unapplied"] += int(cents)
    return total


__all__ = [
    "ALL_BUCKETS",
    "GROUPINGS",
    "AgingReport",
    "GroupedAging",
    "aging_report",
    "aged_totals",
    "aged_buckets_by_customer",
    "group_aging",
]
