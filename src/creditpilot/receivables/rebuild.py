"""Derived state of a company's ledger, rebuilt from what the store holds.

After every import the ledger is rebuilt from all stored documents, so that
the result never depends on the order in which files were imported:

1. opening entries (à-nouveaux) that restate a fiscal year the store holds are
   kept but not counted, and their lettering passes to the original lines
   (same customer, piece reference and amount); the restated balance is
   checked against the stored year and a difference is reported;
2. due dates derived from payment terms follow each customer's terms as they
   are now (explicit due dates stay as given);
3. allocations are computed again (lettering, then the matcher), around the
   allocations fixed by hand or by an invoices import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl
from django.db import connection

from creditpilot.companies.models import Company
from creditpilot.core.calendar import BusinessCalendar
from creditpilot.core.ledger import Allocation as CoreAllocation
from creditpilot.core.ledger import Item
from creditpilot.core.matching import allocate
from creditpilot.core.money import format_cents
from creditpilot.core.terms import DEFAULT_TERMS_CODE, Terms, parse_terms
from creditpilot.receivables import bulk
from creditpilot.receivables.models import Allocation, Document, LedgerPeriod

DOC_SCHEMA = {
    "id": pl.Int64,
    "customer_id": pl.Int64,
    "date": pl.Date,
    "entry_date": pl.Date,
    "due_date": pl.Date,
    "due_date_explicit": pl.Boolean,
    "amount": pl.Int64,
    "number": pl.Utf8,
    "label": pl.Utf8,
    "lettering": pl.Utf8,
    "effective_lettering": pl.Utf8,
    "is_opening": pl.Boolean,
    "is_active": pl.Boolean,
}


@dataclass
class RebuildResult:
    documents: int = 0
    allocations: int = 0
    unapplied_credits: int = 0
    warnings: list[str] = field(default_factory=list)


def terms_of(code: str | None, default: str) -> Terms:
    try:
        return parse_terms(code or default or DEFAULT_TERMS_CODE)
    except Exception:
        return parse_terms(DEFAULT_TERMS_CODE)


def do_rebuild(company: Company) -> RebuildResult:
    """Recompute opening-entry status, derived due dates and allocations of ``company``.

    Call inside the import's transaction: a failure leaves the store as it was.
    """
    result = RebuildResult()
    doc_table = Document._meta.db_table
    docs = bulk.fetch_frame(
        f"SELECT {', '.join(DOC_SCHEMA)} FROM {doc_table} WHERE company_id = %s",
        [company.id],
        DOC_SCHEMA,
    )
    result.documents = docs.height
    if docs.height == 0:
        Allocation.objects.filter(company=company).delete()
        return result

    active, effective, warnings = _resolve_openings(company, docs)
    result.warnings.extend(warnings)
    due = _derived_due_dates(company, docs)
    new = docs.select("id", "is_active", "effective_lettering", "due_date").with_columns(
        active.alias("new_active"), effective.alias("new_let"), due.alias("new_due")
    )
    changed = new.filter(
        (pl.col("new_active") != pl.col("is_active"))
        | (pl.col("new_let") != pl.col("effective_lettering"))
        | (pl.col("new_due") != pl.col("due_date"))
    ).select("id", pl.col("new_active").alias("is_active"), pl.col("new_let").alias("lettering"), pl.col("new_due").alias("due_date"))
    if changed.height:
        bulk.create_temp_table("cp_doc_update", changed, primary_key="id")
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {doc_table} SET is_active = u.is_active, effective_lettering = u.lettering, "
                f"due_date = u.due_date FROM cp_doc_update u WHERE {doc_table}.id = u.id"
            )
        bulk.drop_temp_table("cp_doc_update")

    docs = docs.with_columns(
        active.alias("is_active"), effective.alias("effective_lettering"), due.alias("due_date")
    )
    result.allocations, result.unapplied_credits = _reallocate(company, docs)
    return result


def _resolve_openings(company: Company, docs: pl.DataFrame) -> tuple[pl.Series, pl.Series, list[str]]:
    """Which opening lines count, and the lettering each line ends up with."""
    active = pl.Series("is_active", [True] * docs.height)
    effective = docs["lettering"].fill_null("")
    warnings: list[str] = []
    openings = docs.filter(pl.col("is_opening"))
    if openings.height == 0:
        return active, effective, warnings
    periods = list(LedgerPeriod.objects.filter(company=company).values_list("start", "end"))

    def holds_year_before(start: date) -> bool:
        before, year_ago = start - timedelta(days=1), start - timedelta(days=366)
        return any(p_start <= before and p_end >= year_ago for p_start, p_end in periods)

    docs = docs.with_row_index("_row")
    is_active = docs["is_opening"].not_()
    is_active = is_active.to_list()
    lettering = effective.to_list()
    for start in sorted(openings["entry_date"].unique().to_list()):
        at_start = docs.filter(pl.col("is_opening") & (pl.col("entry_date") == start))
        if not holds_year_before(start):
            for row in at_start["_row"].to_list():
                is_active[row] = True
            continue
        # the year before is stored: these lines restate it; check, then pass lettering on
        before = docs.filter(
            (pl.col("entry_date") < start)
            & pl.col("_row").is_in(pl.Series([i for i, a in enumerate(is_active) if a]).implode())
        )
        restated = at_start.group_by("customer_id").agg(pl.col("amount").sum().alias("restated"))
        held = before.group_by("customer_id").agg(pl.col("amount").sum().alias("held"))
        diff = restated.join(held, on="customer_id", how="full", coalesce=True).fill_null(0)
        diff = diff.filter(pl.col("restated") != pl.col("held"))
        if diff.height:
            codes = _customer_codes(diff["customer_id"].to_list())
            for cid, restated_amount, held_amount in diff.select("customer_id", "restated", "held").iter_rows():
                warnings.append(
                    f"opening entries of {start.isoformat()} for customer {codes.get(cid, cid)} restate "
                    f"{format_cents(restated_amount)} but the stored year before leaves {format_cents(held_amount)}"
                )
        lettered = at_start.filter(pl.col("lettering").fill_null("") != "")
        if lettered.height:
            key = ["customer_id", "number", "amount"]
            src = lettered.select(*key, "lettering", "_row").sort("_row").with_columns(
                pl.int_range(pl.len()).over(key).alias("_n")
            )
            dst = before.select(*key, pl.col("_row").alias("_target"), "date").sort(["date", "_target"]).with_columns(
                pl.int_range(pl.len()).over(key).alias("_n")
            )
            for target, letter in src.join(dst, on=[*key, "_n"], how="inner").select("_target", "lettering").iter_rows():
                lettering[target] = letter
    return pl.Series("is_active", is_active), pl.Series("effective_lettering", lettering), warnings


def _customer_codes(ids: list[int]) -> dict[int, str]:
    from creditpilot.customers.models import Customer

    return dict(Customer.objects.filter(id__in=ids).values_list("id", "code"))


def _derived_due_dates(company: Company, docs: pl.DataFrame) -> pl.Series:
    """Due date of every document: explicit ones kept, others from the customer's terms."""
    from creditpilot.customers.models import Customer

    terms_by_customer = dict(
        Customer.objects.filter(company=company).values_list("id", "payment_terms")
    )
    calendar = (
        BusinessCalendar.france(company.holiday_subdivision or None)
        if company.due_dates_on_business_days
        else None
    )
    pairs = docs.filter(~pl.col("due_date_explicit")).select("customer_id", "date").unique()
    codes = {
        cid: terms_of(code, company.default_terms).code for cid, code in terms_by_customer.items()
    }
    cache: dict[tuple[str, date], date] = {}
    rows = []
    for cid, day in pairs.iter_rows():
        code = codes.get(cid, company.default_terms)
        key = (code, day)
        if key not in cache:
            due = parse_terms(code).due_date(day)
            cache[key] = calendar.next_business_day(due) if calendar else due
        rows.append((cid, day, cache[key]))
    mapping = pl.DataFrame(
        rows, schema={"customer_id": pl.Int64, "date": pl.Date, "_due": pl.Date}, orient="row"
    )
    joined = docs.select("customer_id", "date", "due_date", "due_date_explicit").join(
        mapping, on=["customer_id", "date"], how="left", maintain_order="left"
    )
    return joined.select(
        pl.when(pl.col("due_date_explicit")).then(pl.col("due_date")).otherwise(pl.col("_due"))
    ).to_series().alias("due_date")


def _reallocate(company: Company, docs: pl.DataFrame) -> tuple[int, int]:
    """Replace the computed allocations of ``company``; fixed ones stay."""
    fixed_rows = list(
        Allocation.objects.filter(company=company, method__in=Allocation.FIXED).values_list(
            "invoice_id", "credit_id", "amount", "method", "date"
        )
    )
    Allocation.objects.filter(company=company).exclude(method__in=Allocation.FIXED).delete()
    live = docs.filter(pl.col("is_active"))
    items = [
        Item(i, c, d, due, amount, letter or None, number or "", label or "")
        for i, c, d, due, amount, letter, number, label in live.select(
            "id", "customer_id", "date", "due_date", "amount", "effective_lettering", "number", "label"
        ).iter_rows()
    ]
    fixed = [CoreAllocation(*row) for row in fixed_rows]
    allocations = allocate(items, fixed)
    customer_of = dict(zip(live["id"].to_list(), live["customer_id"].to_list(), strict=True))
    fixed_ids = {(a.invoice, a.credit, a.method) for a in fixed}
    new = [a for a in allocations if (a.invoice, a.credit, a.method) not in fixed_ids]
    frame = pl.DataFrame(
        {
            "company_id": [company.id] * len(new),
            "customer_id": [customer_of[a.invoice] for a in new],
            "invoice_id": [a.invoice for a in new],
            "credit_id": [a.credit for a in new],
            "amount": [a.amount for a in new],
            "method": [a.method for a in new],
            "date": [a.date for a in new],
        },
        schema={
            "company_id": pl.Int64,
            "customer_id": pl.Int64,
            "invoice_id": pl.Int64,
            "credit_id": pl.Int64,
            "amount": pl.Int64,
            "method": pl.Utf8,
            "date": pl.Date,
        },
    )
    bulk.insert_frame(Allocation._meta.db_table, frame)
    allocated_credit: dict[object, int] = {}
    for a in allocations:
        allocated_credit[a.credit] = allocated_credit.get(a.credit, 0) + a.amount
    unapplied = sum(1 for it in items if it.amount < 0 and allocated_credit.get(it.id, 0) < -it.amount)
    return len(allocations), unapplied
