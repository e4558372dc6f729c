"""Every customer's payment behaviour at a date, set-based over the ledger (only what was known
then), and the day's scores.

Two reads — the debits dated by the date and the allocations dated by it — then polars:
each allocation is a payment of its invoice, late by its date minus the due date; each
debit still open at the date counts at its current lateness. The weighted average days
late is weighted by amount, over the payments of the last 12 months (3 months for the
trend) and the open items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.db.models import Count, Q

from creditpilot.collections.frames import query_frame, sql_day
from creditpilot.collections.models import Dispute, Promise
from creditpilot.companies.models import Company
from creditpilot.core.scorecard import Behaviour, Card, Driver, score_card
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document
from creditpilot.reports.positions import sync_ratings
from creditpilot.risk.events import under_proceedings
from creditpilot.risk.financials import altman_by_customer
from creditpilot.risk.models import RiskScore

DOC = Document._meta.db_table
ALLOC = Allocation._meta.db_table
YEAR, QUARTER = 365, 91


def _debits(company_id: int, as_of: date) -> pl.DataFrame:
    sql = (
        f"SELECT id, customer_id, {sql_day('date')}, {sql_day('due_date')}, amount FROM {DOC} "
        f"WHERE company_id = %s AND is_active AND amount > 0 AND date <= %s"
    )
    schema = {
        "id": pl.Int64,
        "customer_id": pl.Int64,
        "date": pl.Date,
        "due_date": pl.Date,
        "amount": pl.Int64,
    }
    return query_frame(sql, [company_id, as_of], schema)


def _payments(company_id: int, as_of: date) -> pl.DataFrame:
    sql = (
        f"SELECT invoice_id, customer_id, {sql_day('date')}, {sql_day('due_date')}, amount "
        f"FROM {ALLOC} WHERE company_id = %s AND date <= %s"
    )
    schema = {
        "invoice_id": pl.Int64,
        "customer_id": pl.Int64,
        "date": pl.Date,
        "due_date": pl.Date,
        "amount": pl.Int64,
    }
    return query_frame(sql, [company_id, as_of], schema)


def behaviour_frame(company: Company, as_of: date) -> pl.DataFrame:
    """One row per customer with a debit: the figures of ``core.scorecard.Behaviour``."""
    debits = _debits(company.id, as_of)
    payments = _payments(company.id, as_of).with_columns(
        (pl.col("date") - pl.col("due_date")).dt.total_days().clip(lower_bound=0).alias("late")
    )
    settled = payments.group_by("invoice_id").agg(pl.col("amount").sum().alias("settled"))
    open_items = (
        debits.join(settled, left_on="id", right_on="invoice_id", how="left")
        .with_columns((pl.col("amount") - pl.col("settled").fill_null(0)).alias("open"))
        .filter(pl.col("open") > 0)
        .with_columns(
            (pl.lit(as_of) - pl.col("due_date")).dt.total_days().clip(lower_bound=0).alias("late")
        )
    )
    recent = payments.filter(pl.col("date") > as_of - timedelta(days=YEAR))
    quarter = payments.filter(pl.col("date") > as_of - timedelta(days=QUARTER))
    open_rows = open_items.select("customer_id", pl.col("open").alias("amount"), "late")
    columns = ["customer_id", "amount", "late"]
    weighted = _wadl(pl.concat([recent.select(columns), open_rows]), "wadl")
    weighted_3m = _wadl(pl.concat([quarter.select(columns), open_rows]), "wadl_3m")
    paid = _paid_invoices(recent, debits)
    owed = open_items.group_by("customer_id").agg(
        pl.col("open").sum().alias("owed"),
        pl.col("open").filter(pl.col("late") > 60).sum().alias("over_60"),
        pl.col("late").max().alias("longest_open"),
    )
    sales = debits.group_by("customer_id").agg(
        pl.col("amount").filter(pl.col("date") > as_of - timedelta(days=YEAR)).sum().alias("sales"),
        pl.col("date").min().alias("first"),
    )
    return (
        sales.join(weighted, on="customer_id", how="left")
        .join(weighted_3m, on="customer_id", how="left")
        .join(paid, on="customer_id", how="left")
        .join(owed, on="customer_id", how="left")
        .with_columns(
            pl.col("owed").fill_null(0),
            pl.col("over_60").fill_null(0),
            (pl.lit(as_of) - pl.col("first")).dt.total_days().alias("relationship_days"),
            pl.max_horizontal(
                pl.col("longest_open").fill_null(0), pl.col("longest_paid").fill_null(0)
            ).alias("longest"),
        )
    )


def _wadl(rows: pl.DataFrame, name: str) -> pl.DataFrame:
    return rows.group_by("customer_id").agg(
        ((pl.col("amount") * pl.col("late")).sum() / pl.col("amount").sum()).alias(name)
    )


def _paid_invoices(recent: pl.DataFrame, debits: pl.DataFrame) -> pl.DataFrame:
    """Invoices fully paid in the last 12 months: late when their last payment was late."""
    last = (
        recent.group_by("invoice_id")
        .agg(pl.col("amount").sum().alias("paid"), pl.col("late").max().alias("late"))
        .join(debits.select("id", "customer_id", "amount"), left_on="invoice_id", right_on="id")
        .filter(pl.col("paid") >= pl.col("amount"))
    )
    return last.group_by("customer_id").agg(
        (pl.col("late") > 0).mean().alias("paid_late_share"),
        (pl.col("late") > 30).mean().alias("paid_over_30_share"),
        pl.col("late").max().alias("longest_paid"),
    )


@dataclass(frozen=True)
class DayScores:
    as_of: date
    cards: list[Card]


def _counts(company: Company, as_of: date) -> tuple[dict[int, int], dict[int, int]]:
    disputes = dict(
        Dispute.objects.filter(company=company, opened_on__lte=as_of)
        .filter(Q(status=Dispute.Status.OPEN) | Q(closed_on__gt=as_of))
        .values_list("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    broken = dict(
        Promise.objects.filter(
            company=company,
            status=Promise.Status.BROKEN,
            resolved_on__lte=as_of,
            resolved_on__gt=as_of - timedelta(days=YEAR),
        )
        .values_list("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    return disputes, broken


def _decimal(value: object) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def company_scores(company: Company, as_of: date) -> DayScores:
    """Every customer's card at ``as_of``, by code."""
    frame = behaviour_frame(company, as_of)
    customers = {
        c["id"]: c
        for c in Customer.objects.filter(company=company).values("id", "code", "credit_limit")
    }
    disputes, broken = _counts(company, as_of)
    proceedings = under_proceedings(company, as_of)
    altman = altman_by_customer(company, as_of)
    cards = []
    for row in frame.iter_rows(named=True):
        customer = customers[row["customer_id"]]
        limit = customer["credit_limit"]
        behaviour = Behaviour(
            customer["code"],
            wadl=_decimal(row["wadl"]).quantize(Decimal("0.1")),
            wadl_3m=_decimal(row["wadl_3m"]).quantize(Decimal("0.1"))
            if row["wadl_3m"] is not None
            else None,
            paid_late_share=_decimal(row["paid_late_share"]),
            paid_over_30_share=_decimal(row["paid_over_30_share"]),
            longest_delay=int(row["longest"] or 0),
            over_60_share=(
                Decimal(row["over_60"]) / Decimal(row["owed"]) if row["owed"] else Decimal(0)
            ),
            disputes=disputes.get(row["customer_id"], 0),
            broken_promises=broken.get(row["customer_id"], 0),
            limit_usage=Decimal(row["owed"]) / Decimal(limit) if limit else None,
            relationship_days=int(row["relationship_days"]),
            sales_12m=int(row["sales"] or 0),
            proceedings=row["customer_id"] in proceedings,
            altman_z=altman.get(row["customer_id"]),
        )
        cards.append(score_card(behaviour))
    cards.sort(key=lambda c: c.customer)
    return DayScores(as_of, cards)


def do_score_company(company: Company, as_of: date) -> DayScores:
    """Compute and keep the day's scores (again for the same day: replaced)."""
    scores = company_scores(company, as_of)
    ids = dict(Customer.objects.filter(company=company).values_list("code", "id"))
    with transaction.atomic():
        RiskScore.objects.filter(company=company, day=as_of).delete()
        RiskScore.objects.bulk_create(
            [
                RiskScore(
                    company=company,
                    customer_id=ids[card.customer],
                    day=as_of,
                    score=card.score,
                    rating=card.rating,
                    pd=card.pd,
                    drivers=[
                        {"code": d.code, "points": str(d.points), **d.values} for d in card.drivers
                    ],
                )
                for card in scores.cards
            ],
            batch_size=2000,
        )
        changed = _fill_ratings(company, scores, ids)
        if changed:
            sync_ratings(company, changed)  # the cached lists show the ratings
    return scores


def _fill_ratings(company: Company, scores: DayScores, ids: dict[str, int]) -> dict[str, list[int]]:
    """Each customer's rating from its score, unless a person or an event set it; set-based,
    per rating. Returns the customers whose rating changed, by their new rating."""
    by_rating: dict[str, list[int]] = {}
    for card in scores.cards:
        by_rating.setdefault(card.rating, []).append(ids[card.customer])
    changed: dict[str, list[int]] = {}
    for rating, customer_ids in by_rating.items():
        for start in range(0, len(customer_ids), 5000):
            due = (
                Customer.objects.filter(company=company, id__in=customer_ids[start : start + 5000])
                .exclude(rating_source__in=("person", "event"))
                .exclude(rating=rating, rating_source="score")
            )
            found = list(due.values_list("id", flat=True))
            if found:
                Customer.objects.filter(id__in=found).update(rating=rating, rating_source="score")
                changed.setdefault(rating, []).extend(found)
    return changed


def scores_json(scores: DayScores, language: str = "en") -> dict[str, object]:
    return {
        "as_of": scores.as_of.isoformat(),
        "customers": [
            {
                "code": c.customer,
                "score": c.score,
                "rating": c.rating,
                "pd": str(c.pd),
                "drivers": c.reasons(language),
            }
            for c in scores.cards
        ],
    }


def latest_score(customer: Customer, as_of: date) -> RiskScore | None:
    """The customer's last score kept on or before ``as_of``."""
    return RiskScore.objects.filter(customer=customer, day__lte=as_of).order_by("-day").first()


def driver_texts(drivers: list[dict[str, str]], language: str, most: int = 5) -> list[str]:
    """The stored drivers of a score, said in ``language``."""
    texts = []
    for d in drivers[:most]:
        values = {k: v for k, v in d.items() if k not in ("code", "points")}
        texts.append(Driver(d["code"], Decimal(d["points"]), values).text(language))
    return texts
