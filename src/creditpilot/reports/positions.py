"""Customers' positions and company KPIs at a date, cached per version of the ledger.

``positions(company, as_of)`` returns a snapshot whose rows hold every
customer's buckets at ``as_of``, computing it once per ledger version with the
set-based aged balance of ``reports.aging``; ``kpi_trend`` gives the KPIs at
month ends for the dashboard's trend. Both are exactly the numbers of
``report aging`` and ``report kpis`` at the same dates.
"""

from __future__ import annotations

import functools
import json
from datetime import date, timedelta

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from creditpilot.companies.models import Company
from creditpilot.core.aging import ALL_BUCKETS, BUCKETS, OVERDUE_BUCKETS, Buckets
from creditpilot.core.money import format_cents
from creditpilot.core.text import search_key
from creditpilot.customers.models import Customer
from creditpilot.receivables import bulk
from creditpilot.reports.aging import (
    AgingReport,
    CustomerAging,
    aged_buckets_by_customer,
    aged_totals,
)
from creditpilot.reports.aging_frames import aged_totals_at
from creditpilot.reports.kpis import KpiReport, monthly_sales
from creditpilot.reports.models import CustomerPosition, PositionSnapshot

BUCKET_FIELDS = {
    "not_due": "not_due",
    "1_30": "d1_30",
    "31_60": "d31_60",
    "61_90": "d61_90",
    "over_90": "over_90",
    "unapplied": "unapplied",
}
WORST_ORDER = BUCKETS
KEEP_SNAPSHOTS = 60
CUSTOMER_FIELDS = ("code", "name", "siren", "segment", "sales_rep", "rating")
CHOICE_FIELDS = ("segment", "sales_rep", "rating")  # offered as filters of the customers list
CHANGE_DAYS = 30  # the overdue change of a position is measured over this many days


@functools.lru_cache(maxsize=131072)
def listed_search_key(code: str, name: str, siren: str) -> str:
    """What the customers list's search looks in: code, name and SIREN, unaccented, case-folded.

    >>> listed_search_key("GUE01", "Guérin SA", "123456789")
    'gue01 guerin sa 123456789'
    """
    # cached: each new version of the ledger lists the same customers again
    return search_key(f"{code} {name} {siren or ''}")[:300]


def limit_usage(total: int, credit_limit: int | None) -> int | None:
    """The share of a positive credit limit in use, in hundredths of a percent (rounded half-up).

    A customer in credit (it owes nothing) uses none of its limit.

    >>> limit_usage(150_000, 100_000), limit_usage(1, 300), limit_usage(-400, 100)
    (15000, 33, 0)
    >>> limit_usage(5, 0), limit_usage(5, None)
    (None, None)
    """
    if not credit_limit or credit_limit <= 0:
        return None
    if total <= 0:
        return 0
    quotient, remainder = divmod(total * 10000, credit_limit)
    return quotient + (1 if 2 * remainder >= credit_limit else 0)


def _version(company: Company) -> int:
    return Company.objects.values_list("ledger_version", flat=True).get(pk=company.pk)


def _kpis_json(
    company: Company, as_of: date, aged: Buckets, sales: dict[tuple[int, int], int]
) -> dict:
    opening = aged_totals(company, as_of.replace(day=1) - timedelta(days=1))
    data = KpiReport(company, as_of, aged, sales, opening, []).as_json()
    data.pop("top_debtors", None)
    return data


def _find(
    company: Company, as_of: date, version: int, with_positions: bool
) -> PositionSnapshot | None:
    snap = PositionSnapshot.objects.filter(
        company=company, as_of=as_of, ledger_version=version
    ).first()
    if snap is None or (with_positions and not snap.kpis.get("_positions")):
        return None
    return snap


def _prune(company: Company, version: int) -> None:
    stale = PositionSnapshot.objects.filter(company=company).exclude(ledger_version=version)
    old = list(
        PositionSnapshot.objects.filter(company=company, ledger_version=version)
        .order_by("-computed_at")
        .values_list("id", flat=True)[KEEP_SNAPSHOTS:]
    )
    ids = list(stale.values_list("id", flat=True)) + old
    if ids:
        # one DELETE per table: positions carry no signal nor dependant
        CustomerPosition.objects.filter(snapshot_id__in=ids).delete()
        PositionSnapshot.objects.filter(id__in=ids).delete()


def positions(company: Company, as_of: date) -> PositionSnapshot:
    """The snapshot of every customer's buckets at ``as_of`` (computed once per ledger version)."""
    version = _version(company)
    found = _find(company, as_of, version, with_positions=True)
    if found is not None:
        return found
    by_customer = aged_buckets_by_customer(company.id, as_of)
    # the overdue of 30 days before, for the dashboard's biggest increases
    before = aged_buckets_by_customer(company.id, as_of - timedelta(days=CHANGE_DAYS))
    total = Buckets()
    for b in by_customer.values():
        total.merge(b)
    # the KPIs of the day may be cached already (the trend computes them): same figures
    known = _find(company, as_of, version, with_positions=False)
    if known is not None:
        kpis = {k: v for k, v in known.kpis.items() if not k.startswith("_")}
    else:
        kpis = _kpis_json(company, as_of, total, monthly_sales(company, as_of))
    kpis["_positions"] = True
    kpis["_buckets"] = dict(total.cents)
    try:
        with transaction.atomic():
            _prune(company, version)
            PositionSnapshot.objects.filter(
                company=company, as_of=as_of, ledger_version=version
            ).delete()
            snap = PositionSnapshot.objects.create(
                company=company, as_of=as_of, ledger_version=version, kpis=kpis
            )
            empty = dict.fromkeys(ALL_BUCKETS, 0)
            rows = []
            choices: dict[str, set[str]] = {field: set() for field in CHOICE_FIELDS}
            customers = Customer.objects.filter(company=company).values_list(
                "id", *CUSTOMER_FIELDS, "credit_limit"
            )
            for cid, *identity, limit in customers.iterator(10000):
                for field, value in zip(CUSTOMER_FIELDS, identity, strict=True):
                    if field in choices and value:
                        choices[field].add(value)
                cents = by_customer[cid].cents if cid in by_customer else empty
                worst = 0
                for i, bucket in enumerate(WORST_ORDER, start=1):
                    if cents[bucket] > 0:
                        worst = i
                overdue = sum(cents[b] for b in OVERDUE_BUCKETS)
                change = overdue - (before[cid].overdue if cid in before else 0)
                total_cents = sum(cents.values())
                code, name, siren = identity[:3]
                rows.append(
                    (
                        snap.id,
                        cid,
                        *identity,
                        *(cents[b] for b in BUCKET_FIELDS),
                        total_cents,
                        overdue,
                        change,
                        worst,
                        listed_search_key(code, name, siren),
                        limit,
                        limit_usage(total_cents, limit),
                    )
                )
            bulk.insert_rows(
                CustomerPosition._meta.db_table,
                [
                    "snapshot_id",
                    "customer_id",
                    *CUSTOMER_FIELDS,
                    *BUCKET_FIELDS.values(),
                    "total",
                    "overdue",
                    "overdue_change",
                    "worst",
                    "search",
                    "credit_limit",
                    "limit_usage",
                ],
                rows,
            )
            snap.kpis["_choices"] = {field: sorted(values) for field, values in choices.items()}
            snap.save(update_fields=["kpis"])
    except IntegrityError:
        # another request computed the same snapshot at the same time: take theirs
        return PositionSnapshot.objects.get(company=company, as_of=as_of, ledger_version=version)
    _analyze()
    return snap


def _analyze() -> None:
    """Fresh planner statistics: with them, a filtered list picks the right index (ms, not s)."""
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {CustomerPosition._meta.db_table}")


def kpis_at(company: Company, as_of: date, sales: dict[tuple[int, int], int] | None = None) -> dict:
    """The JSON of ``report kpis`` at ``as_of`` (without the top debtors), cached."""
    version = _version(company)
    found = _find(company, as_of, version, with_positions=False)
    if found is not None:
        return found.kpis
    aged = aged_totals(company, as_of)
    kpis = _kpis_json(
        company, as_of, aged, sales if sales is not None else monthly_sales(company, as_of)
    )
    try:
        with transaction.atomic():
            PositionSnapshot.objects.create(
                company=company, as_of=as_of, ledger_version=version, kpis=kpis
            )
    except IntegrityError:
        pass
    return kpis


def month_ends(as_of: date, months: int = 12) -> list[date]:
    """The last days of the ``months`` months before the month of ``as_of``, oldest first.

    >>> month_ends(date(2026, 3, 15), 3)
    [datetime.date(2025, 12, 31), datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)]
    """
    ends = []
    day = as_of.replace(day=1) - timedelta(days=1)
    for _ in range(months):
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return sorted(ends)


def kpi_trend(company: Company, as_of: date, months: int = 12) -> list[dict]:
    """KPIs at the end of each of the last ``months`` months, then at ``as_of``."""
    days = [*month_ends(as_of, months), as_of]
    version = _version(company)
    cached = {
        s.as_of: s.kpis
        for s in PositionSnapshot.objects.filter(
            company=company, ledger_version=version, as_of__in=days
        )
    }
    missing = [day for day in days if day not in cached]
    if missing:
        sales = monthly_sales(company, as_of)
        openings = {day: day.replace(day=1) - timedelta(days=1) for day in missing}
        aged = aged_totals_at(company, sorted(set(missing) | set(openings.values())))
        for day in missing:
            kpis = KpiReport(company, day, aged[day], sales, aged[openings[day]], []).as_json()
            kpis.pop("top_debtors", None)
            try:
                with transaction.atomic():
                    PositionSnapshot.objects.create(
                        company=company, as_of=day, ledger_version=version, kpis=kpis
                    )
            except IntegrityError:
                pass  # computed at the same time by another request: the same figures
            cached[day] = kpis
    return [cached[day] for day in days]


def aging_json_bytes(company: Company, as_of: date, sales_rep: str | None = None) -> bytes:
    """The JSON of ``report aging`` as bytes, rendered once per snapshot (and rep) and kept.

    The key names the snapshot and its stamp, which change with the ledger and with
    any customer's listed fields: a kept rendering is never stale.
    """
    snap = positions(company, as_of)
    stamp = f"{snap.pk}:{snap.ledger_version}:{snap.computed_at.timestamp()}:{snap.kpis.get('_stamp', 0)}"
    key = f"creditpilot:aging:{company.pk}:{stamp}:{sales_rep or ''}"
    body = cache.get(key)
    if body is None:
        body = json.dumps(aging_from_positions(company, as_of, sales_rep, snap).as_json()).encode()
        cache.set(key, body, timeout=3600)
    return body


def kpis_json_bytes(company: Company, as_of: date, top: int = 10) -> bytes:
    """The JSON of ``report kpis`` as bytes, read from the day's snapshot and kept like the aging.

    The KPIs of the day are in the snapshot already; the top debtors come from its
    positions (the same order as ``report kpis``: biggest balance, then code).
    """
    snap = positions(company, as_of)
    stamp = f"{snap.pk}:{snap.ledger_version}:{snap.computed_at.timestamp()}:{snap.kpis.get('_stamp', 0)}"
    key = f"creditpilot:kpis:{company.pk}:{stamp}"
    body = cache.get(key)
    if body is None:
        data = {k: v for k, v in snap.kpis.items() if not k.startswith("_")}
        debtors = (
            CustomerPosition.objects.filter(snapshot=snap, total__gt=0)
            .order_by("-total", "code")
            .values_list("code", "name", "total")[:top]
        )
        data["top_debtors"] = [
            {"code": code, "name": name, "total": format_cents(int(total))}
            for code, name, total in debtors
        ]
        body = json.dumps(data).encode()
        cache.set(key, body, timeout=3600)
    return body


def aging_from_positions(
    company: Company,
    as_of: date,
    sales_rep: str | None = None,
    snap: PositionSnapshot | None = None,
) -> AgingReport:
    """``report aging`` at ``as_of`` read from the cached positions (the same figures, faster).

    With ``sales_rep``, only that rep's customers and their totals.
    """
    snap = snap or positions(company, as_of)
    rows = CustomerPosition.objects.filter(snapshot=snap).exclude(
        not_due=0, d1_30=0, d31_60=0, d61_90=0, over_90=0, unapplied=0
    )
    if sales_rep is not None:
        rows = rows.filter(sales_rep=sales_rep)
    total = Buckets()
    customers = []
    fields = list(BUCKET_FIELDS.values())
    for cid, code, name, *amounts in rows.order_by("code").values_list(
        "customer_id", "code", "name", *fields
    ):
        buckets = Buckets(dict(zip(BUCKET_FIELDS, (int(a) for a in amounts), strict=True)))
        total.merge(buckets)
        customers.append(CustomerAging(cid, code, name, buckets))
    return AgingReport(company, as_of, total, customers)


def sync_customer(customer: Customer) -> None:
    """Copy a customer's listed fields (name, segment, sales rep...) into its cached positions."""
    CustomerPosition.objects.filter(customer=customer).update(
        **{field: getattr(customer, field) or "" for field in CUSTOMER_FIELDS},
        search=listed_search_key(customer.code, customer.name, customer.siren),
        credit_limit=customer.credit_limit,
    )
    # the usage follows the limit: one UPDATE per distinct total (a customer has a few)
    for total in (
        CustomerPosition.objects.filter(customer=customer)
        .values_list("total", flat=True)
        .distinct()
    ):
        CustomerPosition.objects.filter(customer=customer, total=total).update(
            limit_usage=limit_usage(total, customer.credit_limit)
        )
    for snap in PositionSnapshot.objects.filter(
        company_id=customer.company_id, kpis__has_key="_positions"
    ):
        choices = snap.kpis.setdefault("_choices", {})
        for field in CHOICE_FIELDS:
            value = getattr(customer, field)
            if value and value not in choices.get(field, []):
                choices[field] = sorted([*choices.get(field, []), value])
        # whatever was rendered from this snapshot (the API's aging) is stale now
        snap.kpis["_stamp"] = int(snap.kpis.get("_stamp", 0)) + 1
        snap.save(update_fields=["kpis"])


def sync_ratings(company: Company, customers_by_rating: dict[str, list[int]]) -> None:
    """Copy new ratings into the cached positions, set-based (the daily scoring's): the
    ledger did not change, so nothing is computed again."""
    for rating, ids in customers_by_rating.items():
        for start in range(0, len(ids), 5000):
            CustomerPosition.objects.filter(customer_id__in=ids[start : start + 5000]).update(
                rating=rating
            )
    for snap in PositionSnapshot.objects.filter(company=company, kpis__has_key="_positions"):
        choices = snap.kpis.setdefault("_choices", {})
        choices["rating"] = sorted({*choices.get("rating", []), *customers_by_rating})
        snap.kpis["_stamp"] = int(snap.kpis.get("_stamp", 0)) + 1
        snap.save(update_fields=["kpis"])
