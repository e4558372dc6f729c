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
from creditpilot.core.matching import allocate, match_unlettered
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


def do_rebuild(company: Company, known: pl.DataFrame | None = None) -> RebuildResult:
    """Recompute opening-entry status, derived due dates and allocations of ``company``.

    ``known``: all the company's documents when the caller has just written them
    (saves reading them back). Call inside the import's transaction: a failure
    leaves the store as it was.
    """
    result = RebuildResult()
    doc_table = Document._meta.db_table
    # whatever follows changes the amounts as of any date: cached positions become stale
    company.bump_ledger_version()
    if known is not None:
        docs = known.select([pl.col(c).cast(t) for c, t in DOC_SCHEMA.items()])
    else:
        docs = bulk.fetch_frame(doc_table, "company_id = %s", [company.id], DOC_SCHEMA)
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
    ).select(
        "id",
        pl.col("new_active").alias("is_active"),
        pl.col("new_let").alias("lettering"),
        pl.col("new_due").alias("due_date"),
    )
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
    if bulk.is_postgres():
        # planner statistics for the tables just rewritten: without them PostgreSQL
        # expects a handful of rows and picks slow plans for the pages that follow
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {doc_table}, {Allocation._meta.db_table}")
    return result


def _resolve_openings(
    company: Company, docs: pl.DataFrame
) -> tuple[pl.Series, pl.Series, list[str]]:
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
            for cid, restated_amount, held_amount in diff.select(
                "customer_id", "restated", "held"
            ).iter_rows():
                warnings.append(
                    f"opening entries of {start.isoformat()} for customer {codes.get(cid, cid)} restate "
                    f"{format_cents(restated_amount)} but the stored year before leaves {format_cents(held_amount)}"
                )
        lettered = at_start.filter(pl.col("lettering").fill_null("") != "")
        if lettered.height:
            key = ["customer_id", "number", "amount"]
            src = (
                lettered.select(*key, "lettering", "_row")
                .sort("_row")
                .with_columns(pl.int_range(pl.len()).over(key).alias("_n"))
            )
            dst = (
                before.select(*key, pl.col("_row").alias("_target"), "date")
                .sort(["date", "_target"])
                .with_columns(pl.int_range(pl.len()).over(key).alias("_n"))
            )
            for target, letter in (
                src.join(dst, on=[*key, "_n"], how="inner")
                .select("_target", "lettering")
                .iter_rows()
            ):
                lettering[target] = letter
    return pl.Series("is_active", is_active), pl.Series("effective_lettering", lettering), warnings


def _customer_codes(ids: list[int]) -> dict[int, str]:
    from creditpilot.customers.models import Customer

    return dict(Customer.objects.filter(id__in=ids).values_list("id", "code"))


def derived_due_dates(company: Company, frame: pl.DataFrame) -> pl.Series:
    """Due date from the customer's terms (else the company's) for each (customer_id, date) row."""
    from creditpilot.customers.models import Customer

    terms_by_customer = dict(
        Customer.objects.filter(company=company).values_list("id", "payment_terms")
    )
    calendar = (
        BusinessCalendar.france(company.holiday_subdivision or None)
        if company.due_dates_on_business_days
        else None
    )
    # a few terms times a few hundred days: computed once each, then joined
    default = terms_of(None, company.default_terms).code
    customer_terms = pl.DataFrame(
        {
            "customer_id": list(terms_by_customer),
            "_terms": [
                terms_of(code, company.default_terms).code for code in terms_by_customer.values()
            ],
        },
        schema={"customer_id": pl.Int64, "_terms": pl.Utf8},
    )
    keyed = (
        frame.select("customer_id", "date")
        .join(customer_terms, on="customer_id", how="left", maintain_order="left")
        .with_columns(pl.col("_terms").fill_null(default))
    )
    rows = []
    for code, day in keyed.select("_terms", "date").unique().iter_rows():
        due = parse_terms(code).due_date(day)
        rows.append((code, day, calendar.next_business_day(due) if calendar else due))
    mapping = pl.DataFrame(
        rows, schema={"_terms": pl.Utf8, "date": pl.Date, "_due": pl.Date}, orient="row"
    )
    return (
        keyed.join(mapping, on=["_terms", "date"], how="left", maintain_order="left")
        .get_column("_due")
        .alias("due_date")
    )


def _derived_due_dates(company: Company, docs: pl.DataFrame) -> pl.Series:
    """Due date of every document: explicit ones kept, others from the customer's terms."""
    derived = derived_due_dates(company, docs)
    return (
        docs.select(
            pl.when(pl.col("due_date_explicit")).then(pl.col("due_date")).otherwise(derived)
        )
        .to_series()
        .alias("due_date")
    )


ALLOC_SCHEMA = {
    "invoice_id": pl.Int64,
    "credit_id": pl.Int64,
    "amount": pl.Int64,
    "method": pl.Utf8,
    "date": pl.Date,
}


def _reallocate(company: Company, docs: pl.DataFrame) -> tuple[int, int]:
    """Replace the computed allocations of ``company``; fixed ones stay."""
    fixed_rows = list(
        Allocation.objects.filter(company=company, method__in=Allocation.FIXED).values_list(
            "invoice_id", "credit_id", "amount", "method", "date"
        )
    )
    Allocation.objects.filter(company=company).exclude(method__in=Allocation.FIXED).delete()
    live = docs.filter(pl.col("is_active")).sort("date", "due_date", "id")
    live_ids = set(live["id"].to_list()) if fixed_rows else set()
    fixed = [
        CoreAllocation(*row) for row in fixed_rows if row[0] in live_ids and row[1] in live_ids
    ]
    stale = [row for row in fixed_rows if row[0] not in live_ids or row[1] not in live_ids]
    if stale:  # fixed by hand or by a list on documents that no longer count
        Allocation.objects.filter(
            company=company,
            invoice_id__in=[r[0] for r in stale],
            credit_id__in=[r[1] for r in stale],
        ).delete()

    # customers with fixed allocations take the reference path of the core, whole
    fixed_customers = (
        set(live.filter(pl.col("id").is_in([a.invoice for a in fixed]))["customer_id"].to_list())
        if fixed
        else set()
    )
    plain = live.filter(~pl.col("customer_id").is_in(list(fixed_customers)))
    lettered = _lettering_allocations(plain)
    settled = pl.concat(
        [
            lettered.group_by("invoice_id")
            .agg(pl.col("amount").sum())
            .rename({"invoice_id": "id"}),
            lettered.group_by("credit_id").agg(-pl.col("amount").sum()).rename({"credit_id": "id"}),
        ]
    )
    remaining_frame = (
        plain.join(
            settled.group_by("id").agg(pl.col("amount").sum().alias("settled")), on="id", how="left"
        )
        .with_columns((pl.col("amount") - pl.col("settled").fill_null(0)).alias("remaining"))
        .drop("settled")
    )
    # the matcher only sees customers with an unlettered credit left and a debit left
    wanted = remaining_frame.group_by("customer_id").agg(
        ((pl.col("amount") < 0) & (pl.col("effective_lettering") == "") & (pl.col("remaining") < 0))
        .any()
        .alias("c"),
        (pl.col("remaining") > 0).any().alias("d"),
    )
    to_match = (
        set(wanted.filter(pl.col("c") & pl.col("d"))["customer_id"].to_list()) | fixed_customers
    )
    open_left = ((pl.col("amount") > 0) & (pl.col("remaining") > 0)) | (
        (pl.col("amount") < 0) & (pl.col("effective_lettering") == "") & (pl.col("remaining") < 0)
    )
    residue = pl.concat(
        [
            remaining_frame.filter(
                pl.col("customer_id").is_in(list(to_match - fixed_customers)) & open_left
            ),
            live.filter(pl.col("customer_id").is_in(list(fixed_customers)))
            .with_columns(pl.col("amount").alias("remaining"))
            .select(remaining_frame.columns),
        ]
    ).sort("date", "due_date", "id")

    texts = _texts_of(residue.select("id"))
    residue = residue.join(texts, on="id", how="left", maintain_order="left")
    remaining: dict[int, int] = {}
    by_customer: dict[int, list[Item]] = {}
    for i, c, d, due, amount, letter, number, label, left in residue.select(
        "id",
        "customer_id",
        "date",
        "due_date",
        "amount",
        "effective_lettering",
        "number",
        "label",
        "remaining",
    ).iter_rows():
        by_customer.setdefault(c, []).append(
            Item(i, c, d, due, amount, letter or None, number or "", label or "")
        )
        remaining[i] = left
    matched: list[CoreAllocation] = []
    for customer_id, items in by_customer.items():
        if customer_id in fixed_customers:
            matched.extend(a for a in allocate(items, fixed) if a.method not in Allocation.FIXED)
        else:
            matched.extend(match_unlettered(items, remaining))

    new = pl.concat(
        [
            lettered.select(list(ALLOC_SCHEMA)),
            pl.DataFrame(
                [(a.invoice, a.credit, a.amount, a.method, a.date) for a in matched],
                schema=ALLOC_SCHEMA,
                orient="row",
            ),
        ]
    )
    customer_of = live.select(pl.col("id").alias("invoice_id"), "customer_id", "due_date")
    frame = new.join(customer_of, on="invoice_id", how="left").select(
        "customer_id", *ALLOC_SCHEMA, "due_date"
    )
    if fixed:  # their invoices' due dates may have moved with the terms
        alloc, doc = Allocation._meta.db_table, Document._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {alloc} SET due_date = d.due_date FROM {doc} d WHERE {alloc}.invoice_id = d.id "
                f"AND {alloc}.company_id = %s AND {alloc}.due_date <> d.due_date",
                [company.id],
            )
    bulk.insert_frame(Allocation._meta.db_table, frame, constants={"company_id": company.id})

    applied = (
        pl.concat(
            [frame.select(pl.col("credit_id").alias("id"), "amount")]
            + (
                [
                    pl.DataFrame(
                        {"id": [a.credit for a in fixed], "amount": [a.amount for a in fixed]},
                        schema={"id": pl.Int64, "amount": pl.Int64},
                    )
                ]
                if fixed
                else []
            )
        )
        .group_by("id")
        .agg(pl.col("amount").sum().alias("applied"))
    )
    unapplied = (
        live.filter(pl.col("amount") < 0)
        .join(applied, on="id", how="left")
        .filter(pl.col("applied").fill_null(0) < -pl.col("amount"))
        .height
    )
    return frame.height + len(fixed), unapplied


def _texts_of(ids: pl.DataFrame) -> pl.DataFrame:
    """Labels of some documents (the matcher reads them)."""
    schema = {"id": pl.Int64, "label": pl.Utf8}
    if ids.height == 0:
        return pl.DataFrame(schema=schema)
    bulk.create_temp_table("cp_ids", ids, primary_key="id")
    texts = bulk.fetch_frame(
        f"{Document._meta.db_table} d", "d.id IN (SELECT id FROM cp_ids)", [], schema
    )
    bulk.drop_temp_table("cp_ids")
    return texts


def _lettering_allocations(docs: pl.DataFrame) -> pl.DataFrame:
    """Lettering groups, set-based: in a group, credits settle the oldest debits first.

    Debits and credits of a group are laid end to end by cumulative sums (in
    ledger order); each credit settles the stretch of debits its interval
    overlaps. This is the sequential first-in-first-out, computed at once.
    """
    group = ["customer_id", "effective_lettering"]
    lettered = docs.filter(pl.col("effective_lettering") != "")
    debits = lettered.filter(pl.col("amount") > 0).select(
        *group,
        pl.col("id").alias("invoice_id"),
        pl.col("date").alias("d_date"),
        (pl.col("amount").cum_sum().over(group) - pl.col("amount")).alias("d_start"),
        pl.col("amount").cum_sum().over(group).alias("d_end"),
    )
    credits = lettered.filter(pl.col("amount") < 0).select(
        *group,
        pl.col("id").alias("credit_id"),
        pl.col("date").alias("c_date"),
        ((-pl.col("amount")).cum_sum().over(group) + pl.col("amount")).alias("c_start"),
        (-pl.col("amount")).cum_sum().over(group).alias("c_end"),
    )
    pairs = debits.join(credits, on=group, how="inner").with_columns(
        (pl.min_horizontal("d_end", "c_end") - pl.max_horizontal("d_start", "c_start")).alias(
            "amount"
        )
    )
    return (
        pairs.filter(pl.col("amount") > 0)
        .select(
            "invoice_id",
            "credit_id",
            "amount",
            pl.lit("lettering").alias("method"),
            pl.max_horizontal("d_date", "c_date").alias("date"),
        )
        .sort("credit_id", "invoice_id")
    )
