"""Derived state of a company's ledger, rebuilt from what the store holds.

After every import the derived state of the customers whose documents or
terms changed is rebuilt from all their stored documents (``do_rebuild(company,
customers=...)``); every step below depends on one customer's documents only
(and on the company's fiscal periods), so the result is that of a full rebuild
and never depends on the order in which files were imported:

1. opening entries (à-nouveaux) that restate a fiscal year the store holds are
   kept but not counted, and their lettering passes to the original lines
   (same customer, piece reference and amount); the restated balance is
   checked against the stored year and a difference is reported;
2. due dates derived from payment terms use the customer's terms in force at
   the document's date (explicit due dates stay as given);
3. allocations are computed again (lettering, then the matcher), around the
   allocations fixed by hand or by an invoices import.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl
from django.db import IntegrityError, connection
from django.db.models import Sum

from creditpilot.companies.models import Company
from creditpilot.core.calendar import BusinessCalendar
from creditpilot.core.errors import CreditPilotError
from creditpilot.core.ledger import Allocation as CoreAllocation
from creditpilot.core.ledger import Item
from creditpilot.core.matching import allocate, match_unlettered
from creditpilot.core.money import format_cents
from creditpilot.core.reasons import Notice
from creditpilot.core.terms import DEFAULT_TERMS_CODE, Terms, parse_terms
from creditpilot.customers.models import Customer, CustomerTerms
from creditpilot.receivables import bulk
from creditpilot.receivables.models import Allocation, Document, LedgerPeriod

# the temporary table naming the customers a partial rebuild recomputes
SCOPE_TABLE = "cp_rebuild_customers"

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
    notices: list[Notice] = field(default_factory=list)


def terms_of(code: str | None, default: str) -> Terms:
    """The terms ``code`` names; empty or unknown, the company's ``default`` (else NET30).

    >>> terms_of("EOM45", "NET60").code, terms_of("", "NET60").code, terms_of("whenever", "NET60").code
    ('EOM45', 'NET60', 'NET60')
    >>> terms_of("whenever", "bad too").code
    'NET30'
    """
    for candidate in (code, default):
        if candidate:
            try:
                return parse_terms(candidate)
            except CreditPilotError:
                continue
    return parse_terms(DEFAULT_TERMS_CODE)


def do_rebuild(
    company: Company,
    known: pl.DataFrame | None = None,
    *,
    customers: Collection[int] | None = None,
    inserting: bulk.Background | None = None,
) -> RebuildResult:
    """Recompute opening-entry status, derived due dates and allocations of ``company``.

    ``customers``: recompute only these customers (their documents or terms
    changed); None, all of them. ``known``: all the company's documents when the
    caller has just written them (saves reading them back); ``inserting``: their
    writing, not started yet: it runs while the rebuild computes (which reads nothing
    of the store meanwhile), and ends before the rebuild writes. Call inside the
    import's transaction: a failure leaves the store as it was.
    """
    result = RebuildResult()
    if customers is not None and not customers:
        return result  # nothing changed: nothing to recompute, caches stay valid
    # whatever follows changes the amounts as of any date: cached positions become stale
    company.bump_ledger_version()
    partial = customers is not None
    if customers is not None:
        # dropped at the end, or with the transaction when something fails
        _scope_to(customers)
    docs = _documents(company, known, partial=partial)
    result.documents = docs.height
    store = _StoreReads.of(company, partial=partial, codes=inserting is not None)
    with bulk.alongside(inserting):
        active, effective, notices = _resolve_openings(docs, store)
        due = _derived_due_dates(company, docs, store.terms)
        stored, docs = (
            docs,
            docs.with_columns(
                active.alias("is_active"),
                effective.alias("effective_lettering"),
                due.alias("due_date"),
            ),
        )
        allocations = _reallocate(docs, store)
        added, gone = _allocation_changes(allocations.frame, store.computed)
        # their staging too, while the documents may still be going in
        insert = bulk.prepare_insert(
            Allocation._meta.db_table, added, constants={"company_id": company.id}
        )
    result.notices.extend(notices)
    _store_derived(stored, active, effective, due)
    _delete_allocations(gone)
    insert()
    result.allocations = _store_allocations(company, allocations, partial=partial)
    _store_unapplied(company, allocations.unapplied, partial=partial)
    check_links(company, partial=partial, written=known)
    if partial:
        bulk.drop_temp_table(SCOPE_TABLE)
    result.unapplied_credits = unapplied_credit_count(company)
    if bulk.is_postgres() and not partial:
        # planner statistics for the tables just rewritten: without them PostgreSQL
        # expects a handful of rows and picks slow plans for the pages that follow
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {Document._meta.db_table}, {Allocation._meta.db_table}")
    return result


class BrokenLinkError(IntegrityError):
    """A document names a customer that is not there, or not the company's."""


def check_links(company: Company, *, partial: bool, written: pl.DataFrame | None = None) -> None:
    """Each document the rebuild recomputed names a customer of its company: checked at once
    (one pass over the aging index, 0.07 s for 386,000 documents on SQLite; ``written``:
    the documents, just written, checked in memory), where a foreign key would be checked
    row by row (on PostgreSQL a trigger and a row lock per line at the commit: a third of
    a first import). A broken link fails the action, and its transaction leaves the store
    as it was. The allocations are made here from these documents, in the same
    transaction."""
    if written is not None and not partial:
        theirs = set(Customer.objects.filter(company=company).values_list("id", flat=True))
        named = written.get_column("customer_id").unique().to_list()
        _refuse_strangers(company, [c for c in named if c not in theirs])
        return
    doc, customer = Document._meta.db_table, Customer._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT d.customer_id FROM (SELECT DISTINCT customer_id FROM {doc} "
            f"WHERE company_id = %s{_in_scope('customer_id', partial)}) d "
            f"LEFT JOIN {customer} c ON c.id = d.customer_id AND c.company_id = %s "
            f"WHERE c.id IS NULL",
            [company.id, company.id],
        )
        missing = [row[0] for row in cur.fetchall()]
    _refuse_strangers(company, missing)


def _refuse_strangers(company: Company, missing: list[int | None]) -> None:
    if missing:
        raise BrokenLinkError(
            f"documents of company {company.code} name customers it does not have: {missing[:10]}"
        )


@dataclass
class _StoreReads:
    """What the rebuild reads of the store besides the documents, read before it computes.

    ``fixed``: the allocations fixed by hand or by a list, in scope; ``computed``: the
    computed ones of a partial rebuild, as stored (a full rebuild deletes them here, to be
    made again); ``codes``: the customers' codes, for the warnings (all of them when the
    rebuild may not read the store while it computes, else read when a warning needs them).
    """

    periods: list[Span]
    terms: pl.DataFrame
    fixed: list[tuple]
    computed: pl.DataFrame | None
    codes: dict[int, str] | None

    @classmethod
    def of(cls, company: Company, *, partial: bool, codes: bool) -> _StoreReads:
        fixed, computed = _take_fixed(company, partial)
        return cls(
            periods=period_spans(company),
            terms=terms_history(company),
            fixed=fixed,
            computed=computed,
            codes=(
                dict(Customer.objects.filter(company=company).values_list("id", "code"))
                if codes
                else None
            ),
        )

    def code_of(self, ids: list[int]) -> dict[int, str]:
        return self.codes if self.codes is not None else _customer_codes(ids)


def _scope_to(customers: Collection[int]) -> None:
    ids = pl.DataFrame({"id": sorted(set(customers))}, schema={"id": pl.Int64})
    bulk.create_temp_table(SCOPE_TABLE, ids, primary_key="id")


def _in_scope(column: str, partial: bool) -> str:
    """SQL condition: ``column`` names a customer the rebuild recomputes."""
    return f" AND {column} IN (SELECT id FROM {SCOPE_TABLE})" if partial else ""


def _documents(company: Company, known: pl.DataFrame | None, partial: bool) -> pl.DataFrame:
    if known is not None and not partial:
        # with their labels (the matcher reads them), which the store is not asked for
        columns = [pl.col(c).cast(t) for c, t in DOC_SCHEMA.items()]
        return known.select(*columns, pl.col("label").cast(pl.Utf8))
    return bulk.fetch_frame(
        Document._meta.db_table,
        "company_id = %s" + _in_scope("customer_id", partial),
        [company.id],
        DOC_SCHEMA,
    )


def _store_derived(
    docs: pl.DataFrame, active: pl.Series, effective: pl.Series, due: pl.Series
) -> None:
    """Write the documents whose opening status, effective lettering or due date moved."""
    doc_table = Document._meta.db_table
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
    if changed.height == 0:
        return
    bulk.create_temp_table("cp_doc_update", changed, primary_key="id")
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {doc_table} SET is_active = u.is_active, effective_lettering = u.lettering, "
            f"due_date = u.due_date FROM cp_doc_update u WHERE {doc_table}.id = u.id"
            + bulk.BY_IDS.format(table=doc_table, ids="cp_doc_update")
        )
    bulk.drop_temp_table("cp_doc_update")


def unapplied_credit_count(company: Company) -> int:
    """Credits of the company not wholly allocated (unapplied cash, in part or whole)."""
    total = Customer.objects.filter(company=company).aggregate(n=Sum("unapplied_credits"))["n"]
    return int(total or 0)


def _store_unapplied(company: Company, counts: pl.DataFrame, *, partial: bool) -> None:
    """Each customer's count of credits left unapplied (``customer_id``, ``unapplied``)."""
    table = Customer._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET unapplied_credits = 0 WHERE company_id = %s "
            f"AND unapplied_credits <> 0" + _in_scope("id", partial),
            [company.id],
        )
    if counts.height == 0:
        return
    bulk.create_temp_table("cp_unapplied", counts, primary_key="customer_id")
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET unapplied_credits = u.unapplied FROM cp_unapplied u "
            f"WHERE {table}.id = u.customer_id AND {table}.id IN (SELECT customer_id FROM cp_unapplied)"
        )
    bulk.drop_temp_table("cp_unapplied")


Span = tuple[date, date]


def period_spans(company: Company) -> list[Span]:
    """The fiscal periods the store holds (each FEC's span of entry dates)."""
    return list(LedgerPeriod.objects.filter(company=company).values_list("start", "end"))


def holds_year_before(periods: list[Span], start: date) -> bool:
    """Whether the store holds the year before opening entries dated ``start``."""
    before, year_ago = start - timedelta(days=1), start - timedelta(days=366)
    return any(p_start <= before and p_end >= year_ago for p_start, p_end in periods)


def customers_with_moved_openings(
    company: Company, before: list[Span], after: list[Span]
) -> set[int]:
    """Customers whose opening entries now restate a stored year, or no longer do."""
    runs = _moved_days(before, after)
    if not runs:
        return set()
    doc = Document._meta.db_table
    days = " OR ".join(["entry_date BETWEEN %s AND %s"] * len(runs))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT customer_id FROM {doc} WHERE company_id = %s AND is_opening "
            f"AND ({days})",
            [company.id, *(day for run in runs for day in run)],
        )
        return {row[0] for row in cur.fetchall()}


def _moved_days(before: list[Span], after: list[Span]) -> list[Span]:
    """The runs of days whose opening entries the change of periods moves (restating a
    stored year before it, not after, or the other way).

    >>> y25, y26 = (date(2025, 1, 1), date(2025, 12, 31)), (date(2026, 1, 1), date(2026, 10, 30))
    >>> _moved_days([y25, y26], [y25, (date(2026, 1, 1), date(2026, 10, 31))])
    [(datetime.date(2027, 11, 1), datetime.date(2027, 11, 1))]
    >>> [(a.isoformat(), b.isoformat()) for a, b in _moved_days([y26], [y25, y26])]
    [('2025-01-02', '2026-01-01')]
    """
    if sorted(before) == sorted(after):
        return []
    spans = before + after
    day, last = min(s for s, _ in spans), max(e for _, e in spans) + timedelta(days=367)
    runs: list[Span] = []
    while day <= last:
        if holds_year_before(before, day) != holds_year_before(after, day):
            if runs and runs[-1][1] == day - timedelta(days=1):
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        day += timedelta(days=1)
    return runs


def _resolve_openings(
    docs: pl.DataFrame, store: _StoreReads
) -> tuple[pl.Series, pl.Series, list[Notice]]:
    """Which opening lines count, and the lettering each line ends up with."""
    active = pl.Series("is_active", [True] * docs.height, dtype=pl.Boolean)
    effective = docs["lettering"].fill_null("")
    notices: list[Notice] = []
    openings = docs.filter(pl.col("is_opening"))
    if openings.height == 0:
        return active, effective, notices
    periods = store.periods
    docs = docs.with_row_index("_row")
    is_active = docs["is_opening"].not_()
    is_active = is_active.to_list()
    lettering = effective.to_list()
    for start in sorted(openings["entry_date"].unique().to_list()):
        at_start = docs.filter(pl.col("is_opening") & (pl.col("entry_date") == start))
        if not holds_year_before(periods, start):
            for row in at_start["_row"].to_list():
                is_active[row] = True
            continue
        # the year before is stored: these lines restate it; check, then pass lettering on
        before = docs.filter(
            (pl.col("entry_date") < start)
            & pl.col("_row").is_in(pl.Series([i for i, a in enumerate(is_active) if a]).implode())
        )
        notices.extend(_restatement_differences(start, at_start, before, store))
        for target, letter in _passed_lettering(at_start, before):
            lettering[target] = letter
    return (
        pl.Series("is_active", is_active, dtype=pl.Boolean),
        pl.Series("effective_lettering", lettering, dtype=pl.Utf8),
        notices,
    )


def _restatement_differences(
    start: date, at_start: pl.DataFrame, before: pl.DataFrame, store: _StoreReads
) -> list[Notice]:
    """Customers whose opening entries of ``start`` restate another balance than the stored
    year before leaves."""
    restated = at_start.group_by("customer_id").agg(pl.col("amount").sum().alias("restated"))
    held = before.group_by("customer_id").agg(pl.col("amount").sum().alias("held"))
    diff = restated.join(held, on="customer_id", how="full", coalesce=True).fill_null(0)
    diff = diff.filter(pl.col("restated") != pl.col("held"))
    if diff.height == 0:
        return []
    codes = store.code_of(diff["customer_id"].to_list())
    return [
        Notice(
            "opening_restated",
            {
                "start": start.isoformat(),
                "customer": str(codes.get(cid, cid)),
                "amount": format_cents(restated_amount),
                "held": format_cents(held_amount),
            },
        )
        for cid, restated_amount, held_amount in diff.select(
            "customer_id", "restated", "held"
        ).iter_rows()
    ]


def _passed_lettering(at_start: pl.DataFrame, before: pl.DataFrame) -> list[tuple[int, str]]:
    """(row, lettering) for the original lines that lettered opening lines restate: same
    customer, piece reference and amount, in order."""
    lettered = at_start.filter(pl.col("lettering").fill_null("") != "")
    if lettered.height == 0:
        return []
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
    return list(
        src.join(dst, on=[*key, "_n"], how="inner").select("_target", "lettering").iter_rows()
    )


def _customer_codes(ids: list[int]) -> dict[int, str]:
    return dict(Customer.objects.filter(id__in=ids).values_list("id", "code"))


FROM_THE_START = date(1, 1, 1)


def terms_history(company: Company) -> pl.DataFrame:
    """Every customer's terms steps: ``customer_id``, ``_from`` (a date), ``_terms`` (a code).

    A step from the start gets the earliest date; empty or unknown terms are the
    company's default. Sorted by ``_from``, as an as-of join wants it.
    """
    rows = CustomerTerms.objects.filter(company=company).values_list(
        "customer_id", "effective_from", "terms"
    )
    return pl.DataFrame(
        [
            (cid, start or FROM_THE_START, terms_of(code, company.default_terms).code)
            for cid, start, code in rows
        ],
        schema={"customer_id": pl.Int64, "_from": pl.Date, "_terms": pl.Utf8},
        orient="row",
    ).sort("_from")


def derived_due_dates(
    company: Company, frame: pl.DataFrame, terms: pl.DataFrame | None = None
) -> pl.Series:
    """Due date from the customer's terms in force at the row's date (else the company's)
    for each (customer_id, date) row, in the frame's order (``terms``: the company's
    ``terms_history``, when read already)."""
    calendar = (
        BusinessCalendar.france(company.holiday_subdivision or None)
        if company.due_dates_on_business_days
        else None
    )
    default = terms_of(None, company.default_terms).code
    keyed = (
        frame.select("customer_id", "date")
        .with_row_index("_row")
        .sort("date")
        .join_asof(
            terms_history(company) if terms is None else terms,
            left_on="date",
            right_on="_from",
            by="customer_id",
            strategy="backward",
            check_sortedness=False,
        )
        .sort("_row")
        .with_columns(pl.col("_terms").fill_null(default))
    )
    # a few terms times a few hundred days: computed once each, then joined
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


def _derived_due_dates(company: Company, docs: pl.DataFrame, terms: pl.DataFrame) -> pl.Series:
    """Due date of every document: explicit ones kept, others from the customer's terms."""
    derived = derived_due_dates(company, docs, terms)
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
# a stored computed allocation, as a partial rebuild compares it with the one it makes
COMPUTED_SCHEMA = {"id": pl.Int64, "customer_id": pl.Int64, **ALLOC_SCHEMA, "due_date": pl.Date}


UNAPPLIED_SCHEMA = {"customer_id": pl.Int64, "unapplied": pl.Int64}


@dataclass
class _Allocations:
    """The allocations a rebuild makes, before they are stored."""

    frame: pl.DataFrame  # the computed ones: customer_id, ALLOC_SCHEMA, due_date
    fixed: list[CoreAllocation]  # fixed by hand or by a list, on documents that count
    stale: list[tuple]  # fixed ones on documents that no longer count: deleted
    unapplied: pl.DataFrame  # UNAPPLIED_SCHEMA


def _reallocate(docs: pl.DataFrame, store: _StoreReads) -> _Allocations:
    """The computed allocations of the customers of ``docs``, around the fixed ones.

    ``docs`` are the documents of the customers in the rebuild's scope (all of them for a
    full rebuild), with their derived state.
    """
    live = docs.filter(pl.col("is_active")).sort("date", "due_date", "id")
    fixed, stale = _split_fixed(store.fixed, live)
    if live.height == 0:
        empty = pl.DataFrame(schema={"customer_id": pl.Int64, **ALLOC_SCHEMA, "due_date": pl.Date})
        return _Allocations(empty, fixed, stale, pl.DataFrame(schema=UNAPPLIED_SCHEMA))
    # customers with fixed allocations take the reference path of the core, whole
    fixed_customers = (
        set(live.filter(pl.col("id").is_in([a.invoice for a in fixed]))["customer_id"].to_list())
        if fixed
        else set()
    )
    plain = live.filter(~pl.col("customer_id").is_in(list(fixed_customers)))
    lettered = _lettering_allocations(plain)
    residue = _matcher_input(_remaining_after(plain, lettered), live, fixed_customers)
    matched = _match(residue, fixed, fixed_customers)
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
    return _Allocations(frame, fixed, stale, _unapplied_by_customer(live, frame, fixed))


def _delete_allocations(gone: pl.DataFrame | None) -> None:
    """Delete the allocations whose ``id`` ``gone`` holds."""
    if gone is None or gone.height == 0:
        return
    alloc = Allocation._meta.db_table
    bulk.create_temp_table("cp_alloc_gone", gone, primary_key="id")
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {alloc} WHERE id IN (SELECT id FROM cp_alloc_gone)")
    bulk.drop_temp_table("cp_alloc_gone")


def _store_allocations(company: Company, allocations: _Allocations, *, partial: bool) -> int:
    """Delete the stale fixed allocations, and give the others their invoice's due date
    (moved with the terms); the computed ones are written by then. Returns the number of
    allocations of the customers in scope."""
    if allocations.stale:  # fixed by hand or by a list on documents that no longer count
        Allocation.objects.filter(
            company=company,
            invoice_id__in=[r[0] for r in allocations.stale],
            credit_id__in=[r[1] for r in allocations.stale],
        ).delete()
    if allocations.fixed:
        alloc, doc = Allocation._meta.db_table, Document._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {alloc} SET due_date = d.due_date FROM {doc} d WHERE {alloc}.invoice_id = d.id "
                f"AND {alloc}.company_id = %s AND {alloc}.due_date <> d.due_date"
                + _in_scope(f"{alloc}.customer_id", partial),
                [company.id],
            )
    return allocations.frame.height + len(allocations.fixed)


def _unapplied_by_customer(
    live: pl.DataFrame, frame: pl.DataFrame, fixed: list[CoreAllocation]
) -> pl.DataFrame:
    """Per customer, the credits that their allocations do not wholly use."""
    fixed_frame = pl.DataFrame(
        {"id": [a.credit for a in fixed], "amount": [a.amount for a in fixed]},
        schema={"id": pl.Int64, "amount": pl.Int64},
    )
    applied = (
        pl.concat([frame.select(pl.col("credit_id").alias("id"), "amount"), fixed_frame])
        .group_by("id")
        .agg(pl.col("amount").sum().alias("applied"))
    )
    return (
        live.filter(pl.col("amount") < 0)
        .join(applied, on="id", how="left")
        .filter(pl.col("applied").fill_null(0) < -pl.col("amount"))
        .group_by("customer_id")
        .agg(pl.len().cast(pl.Int64).alias("unapplied"))
    )


def _take_fixed(company: Company, partial: bool) -> tuple[list[tuple], pl.DataFrame | None]:
    """The fixed allocations in scope (invoice, credit, amount, method, date); and the
    computed ones of a partial rebuild, as stored (``COMPUTED_SCHEMA``), which a full
    rebuild deletes, to be made again."""
    alloc = Allocation._meta.db_table
    fixed_methods = ", ".join(f"'{m}'" for m in Allocation.FIXED)
    scope = _in_scope("customer_id", partial)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT invoice_id, credit_id, amount, method, date FROM {alloc} "
            f"WHERE company_id = %s AND method IN ({fixed_methods}){scope}",
            [company.id],
        )
        fixed_rows = [tuple(r) for r in cur.fetchall()]
        if not partial:
            cur.execute(
                f"DELETE FROM {alloc} WHERE company_id = %s AND method NOT IN ({fixed_methods})",
                [company.id],
            )
            return fixed_rows, None
    computed = bulk.fetch_frame(
        alloc,
        f"company_id = %s AND method NOT IN ({fixed_methods}){scope}",
        [company.id],
        COMPUTED_SCHEMA,
    )
    return fixed_rows, computed


def _allocation_changes(
    made: pl.DataFrame, stored: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The computed allocations ``made`` that are not stored yet, and the ``id`` of the
    stored ones (``stored``: those of a partial rebuild's customers) no longer made.

    A partial rebuild writes only what changed: deleting and inserting again every
    allocation of its customers rewrote pages all over the table (14 MB for the 20
    customers of a day's export of a million-line ledger) for a few changes. The same
    allocation twice is counted as two (each numbered among its equals).
    """
    if stored is None:
        return made, None
    key = list(made.columns)

    def numbered(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(pl.int_range(pl.len()).over(key).alias("_nth"))

    before = numbered(stored.select("id", *[pl.col(c).cast(made.schema[c]) for c in key]))
    after = numbered(made)
    added = after.join(before, on=[*key, "_nth"], how="anti").drop("_nth")
    gone = before.join(after, on=[*key, "_nth"], how="anti").select("id")
    return added, gone


def _split_fixed(
    fixed_rows: list[tuple], live: pl.DataFrame
) -> tuple[list[CoreAllocation], list[tuple]]:
    """The fixed allocations between two documents that count, and the others (stale)."""
    if not fixed_rows:
        return [], []
    live_ids = set(live["id"].to_list())
    fixed = [
        CoreAllocation(r[0], r[1], r[2], r[3], _as_date(r[4]))
        for r in fixed_rows
        if r[0] in live_ids and r[1] in live_ids
    ]
    stale = [r for r in fixed_rows if r[0] not in live_ids or r[1] not in live_ids]
    return fixed, stale


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _remaining_after(plain: pl.DataFrame, lettered: pl.DataFrame) -> pl.DataFrame:
    """The documents with what their lettering leaves of them (``remaining``)."""
    settled = pl.concat(
        [
            lettered.group_by("invoice_id")
            .agg(pl.col("amount").sum())
            .rename({"invoice_id": "id"}),
            lettered.group_by("credit_id").agg(-pl.col("amount").sum()).rename({"credit_id": "id"}),
        ]
    )
    return (
        plain.join(
            settled.group_by("id").agg(pl.col("amount").sum().alias("settled")), on="id", how="left"
        )
        .with_columns((pl.col("amount") - pl.col("settled").fill_null(0)).alias("remaining"))
        .drop("settled")
    )


def _matcher_input(
    remaining_frame: pl.DataFrame, live: pl.DataFrame, fixed_customers: set[int]
) -> pl.DataFrame:
    """What the matcher sees: customers with an unlettered credit left and a debit left
    (their open items), and customers with fixed allocations (all their items)."""
    wanted = remaining_frame.group_by("customer_id").agg(
        ((pl.col("amount") < 0) & (pl.col("effective_lettering") == "") & (pl.col("remaining") < 0))
        .any()
        .alias("c"),
        (pl.col("remaining") > 0).any().alias("d"),
    )
    to_match = set(wanted.filter(pl.col("c") & pl.col("d"))["customer_id"].to_list())
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
    if "label" in residue.columns:  # came with the documents
        return residue
    return residue.join(_texts_of(residue.select("id")), on="id", how="left", maintain_order="left")


def _match(
    residue: pl.DataFrame, fixed: list[CoreAllocation], fixed_customers: set[int]
) -> list[CoreAllocation]:
    """The core's matcher, customer by customer, over the matcher's input."""
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
    return matched


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
