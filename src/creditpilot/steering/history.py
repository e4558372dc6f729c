"""The KPI history: the figures of each month end, kept as they were seen.

At each month end the daily run takes a snapshot of the company's KPIs — DSO,
best possible DSO, ADD, CEI of the month, overdue ratio, the aged balance and
the expected loss — and of each segment's and each sales rep's. The figures are
``report kpis``'s own (``reports.kpis.KpiReport`` over the group's aged balance
and sales): one rule, one place. A snapshot is never recomputed, so the trend
does not move when a later import changes the ledger.

The first run after a month end takes the snapshot it missed; month ends with
no snapshot before it (the first import, the demo, daily runs that did not
run) are taken at the same time, marked ``backfilled``: their figures are the
ledger's as it stood when they were taken.

**Expected loss** of a customer at a month end = its exposure (what it owes,
VAT included, when positive) × its probability of serious late payment from
its last risk score on or before the month end (the risk app's PD; the loss
given default is taken as 100 %, the prudent reading). A group without any
score has none (``None``), rather than a zero that would read as no risk.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from django.db import connection, transaction
from django.db.models import Sum

from creditpilot.companies.models import Company
from creditpilot.core.aging import Buckets
from creditpilot.core.kpis import Month
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.receivables import bulk
from creditpilot.receivables.models import Document
from creditpilot.reports.aging import ALLOC, DOC
from creditpilot.reports.aging_frames import bucket_expr
from creditpilot.reports.kpis import KpiReport
from creditpilot.risk.models import RiskScore
from creditpilot.steering.models import KpiSnapshot

GROUP_FIELDS = ("segment", "sales_rep")
BACKFILL_MONTHS = 36  # at most this many month ends are filled in at once
BUCKET_COLUMNS = {
    "not_due": "not_due",
    "1_30": "d1_30",
    "31_60": "d31_60",
    "61_90": "d61_90",
    "over_90": "over_90",
    "unapplied": "unapplied",
}


def month_end_of(day: date) -> date:
    """The last day of ``day``'s month.

    >>> month_end_of(date(2024, 2, 10)), month_end_of(date(2025, 12, 31))
    (datetime.date(2024, 2, 29), datetime.date(2025, 12, 31))
    """
    first_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)


def last_month_end(as_of: date) -> date:
    """The latest month end on or before ``as_of``.

    >>> last_month_end(date(2026, 3, 31)), last_month_end(date(2026, 3, 30))
    (datetime.date(2026, 3, 31), datetime.date(2026, 2, 28))
    """
    return as_of if month_end_of(as_of) == as_of else as_of.replace(day=1) - timedelta(days=1)


def month_ends_between(first: date, last: date) -> list[date]:
    """Every month end from ``first``'s month to ``last`` (itself a month end), in order.

    >>> month_ends_between(date(2025, 11, 5), date(2026, 1, 31))
    [datetime.date(2025, 11, 30), datetime.date(2025, 12, 31), datetime.date(2026, 1, 31)]
    """
    out = []
    day = month_end_of(first)
    while day <= last:
        out.append(day)
        day = month_end_of(day + timedelta(days=1))
    return out


# --- the ledger at many month ends, by customer -------------------------------------------


def aged_by_customer_at(company: Company, dates: Iterable[date]) -> dict[date, dict[int, Buckets]]:
    """Each customer's buckets at each date, from one read of the ledger (the rule of
    ``reports.aging``, as ``reports.aging_frames`` applies it)."""
    days = sorted(set(dates))
    if not days:
        return {}
    schema = {"customer_id": pl.Int64, "date": pl.Date, "due_date": pl.Date, "amount": pl.Int64}
    where = "company_id = %s AND date <= %s"
    docs = bulk.fetch_frame(DOC, f"{where} AND is_active", [company.id, days[-1]], schema)
    allocs = bulk.fetch_frame(ALLOC, where, [company.id, days[-1]], schema)
    result: dict[date, dict[int, Buckets]] = {}
    for day in days:
        by_due = bucket_expr("due_date", day)
        per: dict[int, Buckets] = defaultdict(Buckets)
        debit_or_credit = pl.when(pl.col("amount") < 0).then(pl.lit("unapplied")).otherwise(by_due)
        for cid, name, cents in (
            docs.filter(pl.col("date") <= day)
            .group_by("customer_id", debit_or_credit.alias("b"))
            .agg(pl.col("amount").sum())
            .iter_rows()
        ):
            per[cid].cents[name] += int(cents)
        for cid, name, cents in (
            allocs.filter(pl.col("date") <= day)
            .group_by("customer_id", by_due.alias("b"))
            .agg(pl.col("amount").sum())
            .iter_rows()
        ):
            per[cid].cents[name] -= int(cents)
            per[cid].cents["unapplied"] += int(cents)
        result[day] = {cid: b for cid, b in per.items() if any(b.cents.values())}
    return result


def sales_by_customer(company: Company, last: date) -> dict[int, dict[Month, int]]:
    """Each customer's sales of each month up to ``last`` (SPEC §3, as ``reports.kpis``)."""
    rows = (
        Document.objects.filter(company=company, is_active=True, is_sale=True, date__lte=last)
        .values_list("customer_id", "date__year", "date__month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    out: dict[int, dict[Month, int]] = defaultdict(dict)
    for cid, year, month, total in rows:
        out[cid][(year, month)] = out[cid].get((year, month), 0) + int(total)
    return out


def last_pds(company: Company, day: date) -> dict[int, Decimal]:
    """Each customer's PD from its last risk score on or before ``day``."""
    table = RiskScore._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT r.customer_id, r.pd FROM {table} r JOIN ("
            f"  SELECT customer_id, MAX(day) AS day FROM {table}"
            f"  WHERE company_id = %s AND day <= %s GROUP BY customer_id"
            f") m ON m.customer_id = r.customer_id AND m.day = r.day",
            [company.id, day],
        )
        return {cid: Decimal(str(pd)) for cid, pd in cur.fetchall()}


# --- one month end -------------------------------------------------------------------------


@dataclass
class Group:
    """A set of customers' figures at a month end, summed."""

    aged: Buckets
    opening: Buckets
    sales: dict[Month, int]
    expected_loss: Decimal | None = None

    @classmethod
    def empty(cls) -> Group:
        return cls(Buckets(), Buckets(), {})

    def add(
        self,
        aged: Buckets | None,
        opening: Buckets | None,
        sales: dict[Month, int],
        pd: Decimal | None,
    ) -> None:
        if aged is not None:
            self.aged.merge(aged)
        if opening is not None:
            self.opening.merge(opening)
        for month, cents in sales.items():
            self.sales[month] = self.sales.get(month, 0) + cents
        if pd is not None:
            exposure = max(aged.total, 0) if aged is not None else 0
            self.expected_loss = (self.expected_loss or Decimal(0)) + exposure * pd


def _groups(
    customers: dict[int, tuple[str, str]],
    aged: dict[int, Buckets],
    opening: dict[int, Buckets],
    sales: dict[int, dict[Month, int]],
    pds: dict[int, Decimal],
) -> dict[tuple[str, str], Group]:
    """The company's and each segment's and sales rep's sums, keyed (group_by, key)."""
    groups: dict[tuple[str, str], Group] = defaultdict(Group.empty)
    for cid in set(aged) | set(opening) | set(sales):
        segment, rep = customers.get(cid, ("", ""))
        figures = (aged.get(cid), opening.get(cid), sales.get(cid, {}), pds.get(cid))
        for key in (("company", ""), ("segment", segment), ("sales_rep", rep)):
            groups[key].add(*figures)
    groups.setdefault(("company", ""), Group.empty())
    return groups


def _snapshot(
    company: Company, day: date, group_by: str, key: str, group: Group, version: int
) -> KpiSnapshot:
    kpis = KpiReport(company, day, group.aged, group.sales, group.opening, []).as_json()
    loss = group.expected_loss
    return KpiSnapshot(
        company=company,
        month_end=day,
        group_by=group_by,
        group_key=key[:100],
        dso=_decimal(kpis["dso"]),
        best_possible_dso=_decimal(kpis["best_possible_dso"]),
        add=_decimal(kpis["add"]),
        cei=_decimal(kpis["cei"]),
        overdue_ratio=_decimal(kpis["overdue_ratio"]),
        total=group.aged.total,
        **{col: group.aged.cents[b] for b, col in BUCKET_COLUMNS.items()},
        sales_month=group.sales.get((day.year, day.month), 0),
        expected_loss=None if loss is None else int(loss.quantize(Decimal(1), ROUND_HALF_UP)),
        ledger_version=version,
    )


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def compute_snapshots(company: Company, days: list[date]) -> list[KpiSnapshot]:
    """The snapshots of ``days`` (month ends) for the company, its segments and sales reps,
    computed from the ledger as it stands (not saved)."""
    if not days:
        return []
    openings = {day: day.replace(day=1) - timedelta(days=1) for day in days}
    aged = aged_by_customer_at(company, [*days, *openings.values()])
    sales_of = sales_by_customer(company, max(days))
    customers = {
        cid: (segment or "", rep or "")
        for cid, segment, rep in Customer.objects.filter(company=company).values_list(
            "id", "segment", "sales_rep"
        )
    }
    version = company.ledger_version
    out = []
    for day in days:
        groups = _groups(
            customers, aged[day], aged[openings[day]], sales_of, last_pds(company, day)
        )
        for (group_by, key), group in sorted(groups.items()):
            out.append(_snapshot(company, day, group_by, key, group, version))
    return out


# --- the daily run's step, and the history read back ---------------------------------------


@dataclass
class Taken:
    on_time: list[date]
    backfilled: list[date]

    @property
    def taken(self) -> bool:
        return bool(self.on_time or self.backfilled)

    def summary(self) -> str:
        parts = [d.isoformat() for d in self.on_time]
        if self.backfilled:
            first, last = self.backfilled[0], self.backfilled[-1]
            parts.append(
                f"{len(self.backfilled)} backfilled ({first.isoformat()} to {last.isoformat()})"
            )
        return "KPI snapshots: " + (", ".join(parts) if parts else "none due")


def missing_month_ends(company: Company, as_of: date) -> list[date]:
    """Month ends up to ``as_of`` without a snapshot, from the ledger's first month (at most
    ``BACKFILL_MONTHS`` back)."""
    last = last_month_end(as_of)
    first_doc = (
        Document.objects.filter(company=company, is_active=True, date__lte=last)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    if first_doc is None:
        return []
    floor = last
    for _ in range(BACKFILL_MONTHS - 1):
        floor = floor.replace(day=1) - timedelta(days=1)
    taken = set(
        KpiSnapshot.objects.filter(company=company, group_by="company").values_list(
            "month_end", flat=True
        )
    )
    start = max(first_doc, floor.replace(day=1))
    return [day for day in month_ends_between(start, last) if day not in taken]


def do_take_month_end_snapshots(company: Company, as_of: date) -> Taken:
    """Take the snapshots of the month ends up to ``as_of`` that have none. The latest month
    end is taken on time; older ones are backfilled. Idempotent: an existing snapshot is
    kept as it is (two runs at once: the second one's rows are ignored)."""
    company.refresh_from_db(fields=["ledger_version"])
    days = missing_month_ends(company, as_of)
    if not days:
        return Taken([], [])
    latest = last_month_end(as_of)
    snapshots = compute_snapshots(company, days)
    for snap in snapshots:
        snap.backfilled = snap.month_end != latest
    with transaction.atomic():
        KpiSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True, batch_size=500)
    return Taken([d for d in days if d == latest], [d for d in days if d != latest])


def history(
    company: Company, group_by: str = "company", key: str = "", months: int = 24
) -> list[KpiSnapshot]:
    """The last ``months`` snapshots of a group, oldest first."""
    rows = KpiSnapshot.objects.filter(company=company, group_by=group_by, group_key=key).order_by(
        "-month_end"
    )[:months]
    return list(reversed(rows))


def group_keys(company: Company) -> dict[str, list[str]]:
    """The segments and sales reps the history knows, for the charts' choice."""
    keys: dict[str, list[str]] = {field: [] for field in GROUP_FIELDS}
    for group_by, key in (
        KpiSnapshot.objects.filter(company=company, group_by__in=GROUP_FIELDS)
        .values_list("group_by", "group_key")
        .distinct()
        .order_by("group_by", "group_key")
    ):
        keys[group_by].append(key)
    return keys


def snapshot_json(snap: KpiSnapshot) -> dict[str, object]:
    """A snapshot as ``report kpi-history`` prints it: amounts as strings with two decimals."""

    def days(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "month_end": snap.month_end.isoformat(),
        "group_by": snap.group_by,
        "key": snap.group_key,
        "dso": days(snap.dso),
        "best_possible_dso": days(snap.best_possible_dso),
        "add": days(snap.add),
        "cei": days(snap.cei),
        "overdue_ratio": days(snap.overdue_ratio),
        "total": format_cents(snap.total),
        "buckets": {b: format_cents(getattr(snap, col)) for b, col in BUCKET_COLUMNS.items()},
        "sales_month": format_cents(snap.sales_month),
        "expected_loss": None if snap.expected_loss is None else format_cents(snap.expected_loss),
        "backfilled": snap.backfilled,
    }


def _history_rows(
    company: Company, group_by: str, key: str | None, months: int
) -> list[dict[str, object]]:
    keys = [key] if key is not None else [""]
    if key is None and group_by != "company":
        keys = group_keys(company)[group_by]
    rows = []
    for k in keys:
        rows.extend(snapshot_json(s) for s in history(company, group_by, k, months))
    return rows


def history_json(company: Company, group_by: str, key: str | None, months: int = 24) -> str:
    body = {
        "currency": company.currency,
        "by": group_by,
        "snapshots": _history_rows(company, group_by, key, months),
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


HISTORY_HEADER = [
    "month_end", "group_by", "key", "dso", "best_possible_dso", "add", "cei", "overdue_ratio",
    "total", *BUCKET_COLUMNS, "sales_month", "expected_loss", "backfilled",
]  # fmt: skip


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else value


def history_csv(company: Company, group_by: str, key: str | None, months: int = 24) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_HEADER)
    for row in _history_rows(company, group_by, key, months):
        buckets = row.pop("buckets")
        assert isinstance(buckets, dict)
        flat = {**row, **buckets}
        writer.writerow([_csv_cell(flat[h]) for h in HISTORY_HEADER])
    return out.getvalue()
