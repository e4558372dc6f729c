"""Set-based writes (receivables/bulk.py) and the links the code keeps (rebuild.check_links).

On SQLite, many rows go in through a staging database written by ADBC's driver, then one
``INSERT ... SELECT``; a few go row by row. Both ways store the same ledger to the cent,
inside the import's transaction: a failure after the staging leaves the store as it was.
"""

from __future__ import annotations

import itertools
import os
import threading

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction

from creditpilot.companies.services import do_add_company
from creditpilot.receivables import bulk, rebuild
from creditpilot.receivables.models import Allocation, Document, ImportBatch
from creditpilot.receivables.rebuild import BrokenLinkError, do_rebuild
from creditpilot.receivables.services import do_import_fec
from tests.fecbuilder import Fec, hand_ledger
from tests.store.test_next_day_import import ledger

pytestmark = [pytest.mark.store, pytest.mark.django_db]

counter = itertools.count()


def busy_ledger() -> Fec:
    """The hand ledger and more: names with accents and quotes, unlettered and lettered
    payments, a credit note; empty lettering dates and VAT shares among them."""
    f = hand_ledger()
    for n in range(40):
        customer = ("ACME", "GLOBEX", "UMBRELLA")[n % 3]
        f.invoice(f"202606{n % 28 + 1:02d}", customer, f"FB{n:03d}", f"{100 + n * 7}.35")
        if n % 4 == 0:
            f.payment(f"202607{n % 28 + 1:02d}", customer, f"{100 + n * 7}.35", f"VIR FB{n:03d}")
    return f


def staged_everywhere(monkeypatch) -> None:
    monkeypatch.setattr(bulk, "STAGED_ROWS", 1)


def stage_aliases() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("PRAGMA database_list")
        return [row[1] for row in cur.fetchall() if row[1].startswith(bulk.STAGE_PREFIX)]


def test_the_staged_way_stores_what_the_row_by_row_way_stores(monkeypatch, tmp_path):
    path = busy_ledger().write(tmp_path / "fec.txt")
    by_row = do_add_company(f"ROW{next(counter)}", "Row by row")
    staged = do_add_company(f"STG{next(counter)}", "Staged")
    monkeypatch.setattr(bulk, "STAGED_ROWS", 10**9)
    a = do_import_fec(by_row, path)
    staged_everywhere(monkeypatch)
    b = do_import_fec(staged, path)
    assert a.counts == b.counts and a.counts["documents_added"] > 60
    assert ledger(by_row) == ledger(staged)
    assert Allocation.objects.filter(company=staged).count() > 10


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_staging_leaves_the_store_as_it_was(monkeypatch, tmp_path):
    staged_everywhere(monkeypatch)
    company = do_add_company(f"STG{next(counter)}", "Staged")
    path = busy_ledger().write(tmp_path / "fec.txt")

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(rebuild, "_store_unapplied", broken)
    with pytest.raises(OSError):
        do_import_fec(company, path)
    assert not Document.objects.filter(company=company).exists()
    assert not ImportBatch.objects.filter(company=company).exists()
    assert stage_aliases()  # rolled back: still attached, detached as the next import starts
    monkeypatch.undo()
    staged_everywhere(monkeypatch)
    result = do_import_fec(company, path)
    assert result.counts["documents_added"] > 60
    assert Allocation.objects.filter(company=company).exists()
    assert stage_aliases() == []  # committed: detached


def test_a_document_naming_another_companys_customer_fails_the_rebuild(tmp_path):
    mine = do_add_company(f"MINE{next(counter)}", "Mine")
    other = do_add_company(f"OTHR{next(counter)}", "Other")
    do_import_fec(mine, hand_ledger().write(tmp_path / "a.txt"))
    do_import_fec(other, hand_ledger().write(tmp_path / "b.txt"))
    stranger = other.customers.first()
    document = Document.objects.filter(company=mine).first()
    before = ledger(mine)
    with pytest.raises(BrokenLinkError, match="customers it does not have"), transaction.atomic():
        Document.objects.filter(pk=document.pk).update(customer=stranger)
        do_rebuild(mine)
    assert ledger(mine) == before


def test_a_first_import_naming_another_companys_customer_is_undone(monkeypatch, tmp_path):
    """The company's first FEC is checked on the rows it writes (in memory)."""
    from creditpilot.receivables import services

    mine = do_add_company(f"MINE{next(counter)}", "Mine")
    other = do_add_company(f"OTHR{next(counter)}", "Other")
    do_import_fec(other, hand_ledger().write(tmp_path / "b.txt"))
    stranger = other.customers.first().pk
    stage = services._stage

    def astray(company, lines, customer_ids):
        staged = stage(company, lines, customer_ids)
        return staged.with_columns(
            pl.when(pl.col("line") == staged["line"].min())
            .then(pl.lit(stranger))
            .otherwise(pl.col("customer_id"))
            .alias("customer_id")
        )

    monkeypatch.setattr(services, "_stage", astray)
    with pytest.raises(BrokenLinkError, match=str(stranger)):
        do_import_fec(mine, hand_ledger().write(tmp_path / "a.txt"))
    assert not Document.objects.filter(company=mine).exists()
    assert not ImportBatch.objects.filter(company=mine).exists()


# --- PostgreSQL: a load that outweighs its table goes in without the secondary indexes ----


def index_definitions(table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1", [table]
        )
        return cur.fetchall()


class Statements:
    """The statements sent while the block runs (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def count(self, needle: str) -> int:
        return sum(needle in s for s in self.sql)


postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'")


@postgres_only
def test_a_load_larger_than_its_table_builds_the_indexes_again_after_it(monkeypatch, tmp_path):
    path = busy_ledger().write(tmp_path / "fec.txt")
    tables = (Document._meta.db_table, Allocation._meta.db_table)
    before = {t: index_definitions(t) for t in tables}
    monkeypatch.setattr(bulk, "SET_ASIDE_ROWS", 1)
    aside = do_add_company(f"ASD{next(counter)}", "Indexes set aside")
    seen = Statements()
    with connection.execute_wrapper(seen):
        a = do_import_fec(aside, path)  # the only company with documents: outweighs them
    assert seen.count("DROP CONSTRAINT") == 1 and seen.count("DROP INDEX") >= 4
    assert {t: index_definitions(t) for t in tables} == before
    kept = do_add_company(f"KPT{next(counter)}", "Indexes kept")
    seen = Statements()
    with connection.execute_wrapper(seen):
        b = do_import_fec(kept, path)  # as many rows as the table holds: indexes kept up
    assert seen.count("DROP INDEX") == 0 and seen.count("DROP CONSTRAINT") == 0
    assert a.counts == b.counts and a.counts["documents_added"] > 60
    assert ledger(aside) == ledger(kept)


@postgres_only
def test_a_duplicate_key_in_a_load_fails_it_and_leaves_the_indexes(monkeypatch, tmp_path):
    company = do_add_company(f"DUP{next(counter)}", "Duplicates")
    do_import_fec(company, hand_ledger().write(tmp_path / "fec.txt"))
    table = Document._meta.db_table
    before = index_definitions(table)
    rows = bulk.fetch_frame(
        table,
        "company_id = %s",
        [company.id],
        {
            c: t
            for c, t in {
                "customer_id": pl.Int64,
                "batch_id": pl.Int64,
                "source": pl.Utf8,
                "key": pl.Utf8,
                "kind": pl.Utf8,
                "date": pl.Date,
                "entry_date": pl.Date,
                "due_date": pl.Date,
                "amount": pl.Int64,
                "currency_amount": pl.Int64,
                "fingerprint": pl.Int64,
            }.items()
        },
    )
    text = ("number", "label", "journal", "entry_number", "account", "currency", "lettering")
    twice = pl.concat([rows, rows]).with_columns(
        bulk.reserve_ids(table, 2 * rows.height),
        *(pl.lit("").alias(c) for c in (*text, "effective_lettering")),
    )
    fixed = {"company_id": company.id, "due_date_explicit": False, "is_active": True}
    monkeypatch.setattr(bulk, "SET_ASIDE_ROWS", 1)
    seen = Statements()
    with pytest.raises(IntegrityError), connection.execute_wrapper(seen), transaction.atomic():
        bulk.insert_frame(
            table,
            twice,
            constants={**fixed, "disputed": False, "is_sale": False, "is_opening": False},
        )
    assert seen.count("DROP CONSTRAINT") == 1  # set aside, then refused as it came back
    assert index_definitions(table) == before
    assert Document.objects.filter(company=company).count() == rows.height


def test_a_failure_before_the_rebuild_cancels_the_first_imports_insert(monkeypatch, tmp_path):
    """The documents of a company's first FEC are staged on a thread as soon as they are
    known; a failure before the rebuild runs their insert stops it: nothing written, no
    staging file left, no thread left waiting."""
    from creditpilot.receivables import digests, services

    staged_everywhere(monkeypatch)
    company = do_add_company(f"CNL{next(counter)}", "Cancelled")
    beside = os.path.dirname(os.path.abspath(str(connection.settings_dict["NAME"])))
    before = set(os.listdir(beside))

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(digests, "entries_kept", broken)
    with pytest.raises(OSError, match="disk gone"):
        do_import_fec(company, busy_ledger().write(tmp_path / "fec.txt"))
    assert not Document.objects.filter(company=company).exists()
    assert [t.name for t in threading.enumerate() if t.name == "creditpilot-write"] == []
    assert {
        n for n in set(os.listdir(beside)) - before if n.startswith("creditpilot-stage-")
    } == set()
    monkeypatch.undo()
    assert services.do_import_fec(company, tmp_path / "fec.txt").counts["documents_added"] > 60
