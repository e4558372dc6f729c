"""Set-based writes: rows into temporary tables and tables, by COPY on PostgreSQL.

The ORM is for one object at a time; a million ledger lines go through here.
"""

from __future__ import annotations

import io
import itertools
import os
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import polars as pl
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction


class Background:
    """A write run in a thread of its own, on the caller's connection and in its
    transaction, while the caller computes without touching the store (see ``alongside``).

    ``work`` prepares what needs no connection (the rows as a staging file or as text, see
    ``prepare_insert``) and returns the write. The preparing starts at once (``start``),
    the write once the caller lets go of the connection (``alongside``). The work is the
    database's and polars' (both let go of Python's lock): a million-line FEC's documents
    go in while the rebuild computes their allocations.
    """

    def __init__(self, work: Callable[[], Callable[[], object]]) -> None:
        self.work = work
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._go = threading.Event()
        self._cancelled = False

    def start(self) -> None:
        shared = connections[DEFAULT_DB_ALIAS]
        shared.inc_thread_sharing()

        def run() -> None:
            connections[DEFAULT_DB_ALIAS] = shared
            try:
                write = self.work()
                self._go.wait()
                if not self._cancelled:
                    write()
            except BaseException as err:  # handed to the caller by join()
                self.error = err

        self._thread = threading.Thread(target=run, name="creditpilot-write")
        self._thread.start()

    def go(self) -> None:
        """The connection is the thread's until ``join``."""
        if self._thread is None:
            self.start()
        self._go.set()

    def join(self) -> None:
        assert self._thread is not None
        self._thread.join()
        self._thread = None
        connections[DEFAULT_DB_ALIAS].dec_thread_sharing()
        if self.error is not None and not self._cancelled:
            raise self.error

    def cancel(self) -> None:
        """Stop before the write (its preparing ends first); nothing written."""
        if self._thread is None:
            return
        self._cancelled = True
        self._go.set()
        self.join()


@contextmanager
def alongside(background: Background | None) -> Iterator[None]:
    """Let ``background`` write while the block runs; leave when both are done. The block
    must not use the connection meanwhile."""
    if background is None:
        yield
        return
    background.go()
    try:
        yield
    finally:
        background.join()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _sql_type(dtype: pl.DataType) -> str:
    if dtype == pl.Date:
        return "DATE"
    if dtype == pl.Boolean:
        return "BOOLEAN"
    if dtype.is_integer():
        return "BIGINT"
    return "TEXT"


# ``UPDATE t SET ... FROM temp WHERE t.id = temp.id`` names the rows by a join, which
# SQLite's planner, without statistics, runs as a scan of ``t`` (0.02 s over a year's
# 386,000 documents for a handful of rows): this condition, added to it, names them by
# their ids, looked up one by one (redundant to PostgreSQL, whose plan it leaves as is).
BY_IDS = " AND {table}.id IN (SELECT id FROM {ids})"


def create_temp_table(name: str, frame: pl.DataFrame, primary_key: str | None = None) -> None:
    """A temporary table shaped like ``frame``, filled with its rows."""
    cols = ", ".join(
        f"{col} {_sql_type(dtype)}{' PRIMARY KEY' if col == primary_key else ''}"
        for col, dtype in frame.schema.items()
    )
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE TEMPORARY TABLE {name} ({cols})")
    insert_frame(name, frame)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.isidentifier():
        return f"'{value}'"
    raise ValueError(f"not a safe SQL literal: {value!r}")


def insert_frame(table: str, frame: pl.DataFrame, constants: dict[str, Any] | None = None) -> int:
    """Append the rows of ``frame`` to ``table`` (columns by name), with ``constants`` on every row."""
    return prepare_insert(table, frame, constants)()


def prepare_insert(
    table: str, frame: pl.DataFrame, constants: dict[str, Any] | None = None
) -> Callable[[], int]:
    """``insert_frame`` in two steps: what needs no connection, done now, on any thread (the
    rows as CSV text for PostgreSQL's COPY, or as a staging database for SQLite); and the
    write, returned, which inserts them and returns how many."""
    if frame.height == 0:
        return lambda: 0
    constants = constants or {}
    if is_postgres():
        frame = frame.with_columns(pl.lit(v).alias(k) for k, v in constants.items())
        columns = list(frame.columns)
        buffer = io.BytesIO()
        out = frame.with_columns(
            [pl.col(c).cast(pl.Int8) for c, t in frame.schema.items() if t == pl.Boolean]
        )
        out.write_csv(buffer, include_header=False, null_value="\\N", date_format="%Y-%m-%d")

        def copy_in() -> int:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            with (
                connection.cursor() as cur,
                _indexes_set_aside(cur, table, frame.height),
                cur.cursor.copy(sql) as copy,
            ):
                copy.write(buffer.getvalue())
            return frame.height

        return copy_in
    columns = list(frame.columns)
    out = frame.with_columns(
        [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date]
        + [pl.col(c).cast(pl.Int8) for c, t in frame.schema.items() if t == pl.Boolean]
    )
    stage = _Stage(out) if frame.height >= STAGED_ROWS else None

    def write() -> int:
        # SQLite attaches 10 databases at most: past a few stagings in one transaction
        # (each stays attached until the commit), the rows go the row-by-row way
        if stage is not None and detach_stages() < MAX_STAGES:
            stage.copy_into(table, constants)
            return frame.height
        if stage is not None:
            stage.discard()
        # constants go into the statement itself: fewer values to hand over, row by row
        _sqlite_executemany(
            table,
            [*columns, *constants],
            out.iter_rows(buffer_size=4096),
            [_literal(v) for v in constants.values()],
        )
        return frame.height

    return write


# PostgreSQL: from this many rows on, into a table that holds fewer, the table's other
# indexes are built again after the rows instead of kept up row by row
SET_ASIDE_ROWS = 50_000


@contextmanager
def _indexes_set_aside(cur: Any, table: str, incoming: int) -> Iterator[None]:
    """On PostgreSQL, the secondary indexes of ``table`` dropped for the block and built
    again after it, when it receives at least ``SET_ASIDE_ROWS`` rows and holds fewer.

    Keeping six B-trees up row by row is what a bulk COPY spends most on: 3.6 s for the
    386,000 documents of a 1M-line FEC, against 1.0 s without the secondary indexes and
    1.1 s to build them afterwards, each in one sort. The drop and the builds belong to the
    action's transaction (PostgreSQL's DDL is transactional): a failure, a duplicate key
    included, leaves the indexes as they were. The table is locked meanwhile, which is
    why this is for a load that outweighs what the table already holds (a company's first
    FEC, a full rebuild's allocations), where the whole would be rewritten anyway.
    """
    if incoming < SET_ASIDE_ROWS or not connection.in_atomic_block:
        yield
        return
    cur.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary ORDER BY i.relname",
        [table],
    )
    indexes = cur.fetchall()
    if indexes:
        # bounded: stops counting at ``incoming``
        cur.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS held", [incoming])
        if cur.fetchone()[0] >= incoming:
            indexes = []
    for name, _, constraint, _ in indexes:
        if constraint:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
        else:
            cur.execute(f'DROP INDEX "{name}"')
    yield
    for _, definition, constraint, constraint_definition in indexes:
        if constraint:
            cur.execute(
                f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_definition}'
            )
        else:
            cur.execute(definition)


# SQLite: from this many rows on, they go in through a staging database (see below)
STAGED_ROWS = 10_000
STAGE_PREFIX = "cp_stage_"
MAX_STAGES = 6
_stages = itertools.count()


class _Stage:
    """Many rows for SQLite, without a Python object per value.

    ADBC's SQLite driver (C, reading the frame's Arrow columns) writes them into a staging
    database file of its own (no connection of the store's needed); ``copy_into`` has
    Django's connection attach it and copy them in by one ``INSERT ... SELECT``, inside the
    action's transaction. For the 386,000 documents of a 1M-line FEC: 1.2 s + 2.2 s, where
    the driver's ``executemany`` takes 6-7 s. The staging file sits beside the store (whose
    disk must hold the rows anyway) and is removed once copied, or discarded; the
    connection detaches it after the commit, or as the next import starts after a rollback.
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        beside = os.path.dirname(os.path.abspath(str(connection.settings_dict["NAME"])))
        fd, self.path = tempfile.mkstemp(prefix="creditpilot-stage-", suffix=".sqlite3", dir=beside)
        os.close(fd)
        # removed when this object goes, whatever happened to it
        self._removal = weakref.finalize(self, _remove_file, self.path)
        self.columns = list(frame.columns)
        _write_stage(self.path, frame)

    def copy_into(self, table: str, constants: dict[str, Any]) -> None:
        alias = f"{STAGE_PREFIX}{next(_stages)}"
        names = ", ".join(self.columns)
        fixed = "".join(f", {name}" for name in constants)
        values = "".join(f", {_literal(v)}" for v in constants.values())
        try:
            with connection.cursor() as cur:
                cur.execute(f"ATTACH DATABASE %s AS {alias}", [self.path])
                cur.execute(
                    f"INSERT INTO {table} ({names}{fixed}) SELECT {names}{values} FROM {alias}.rows"
                )
        finally:
            self.discard()
        if connection.in_atomic_block:
            transaction.on_commit(detach_stages)
        else:
            detach_stages()

    def discard(self) -> None:
        self._removal()


def _remove_file(path: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)


def _write_stage(path: str, frame: pl.DataFrame) -> None:
    # imported here for start-up time alone: the report commands, which write nothing in
    # bulk, import this module (see cli.py)
    import adbc_driver_sqlite
    from adbc_driver_manager import _lib as adbc

    database = adbc_driver_sqlite.connect(path)
    try:
        conn = adbc.AdbcConnection(database)
        try:
            statement = adbc.AdbcStatement(conn)
            try:
                for pragma in ("page_size = 16384", "journal_mode = OFF", "synchronous = OFF"):
                    statement.set_sql_query(f"PRAGMA {pragma}")
                    statement.execute_update()
                statement.set_options(
                    **{
                        "adbc.ingest.target_table": "rows",
                        "adbc.ingest.mode": "adbc.ingest.mode.create",
                    }
                )
                statement.bind_stream(frame.__arrow_c_stream__())
                statement.execute_update()
            finally:
                statement.close()
        finally:
            conn.close()
    finally:
        database.close()


def detach_stages() -> int:
    """Detach the staging databases this connection no longer reads: all of them after a
    commit; those of an action rolled back, outside a transaction (``BEGIN IMMEDIATE``
    takes every attached database into the transaction), which is where each import
    starts. Returns how many stay attached."""
    if is_postgres():
        return 0
    staying = 0
    with connection.cursor() as cur:
        cur.execute("PRAGMA database_list")
        attached = [row[1] for row in cur.fetchall() if row[1].startswith(STAGE_PREFIX)]
        for alias in attached:
            try:
                cur.execute(f"DETACH DATABASE {alias}")
            except OperationalError:  # read by the transaction under way: after its commit
                staying += 1
    return staying


def _sqlite_executemany(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], literals: Sequence[str] = ()
) -> None:
    """Straight to the driver, inside Django's transaction: its cursor wrapper costs per row."""
    connection.ensure_connection()
    placeholders = ", ".join(["?"] * (len(columns) - len(literals)) + list(literals))
    cur = connection.connection.cursor()
    try:
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)
    finally:
        cur.close()


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    rows = list(rows)
    if not rows:
        return
    if is_postgres():
        with (
            connection.cursor() as cur,
            cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    _sqlite_executemany(table, columns, rows)


def fetch_frame(
    table: str, where: str, params: Sequence[Any], schema: dict[str, Any]
) -> pl.DataFrame:
    """Rows of ``table`` as a polars frame with the given schema.

    On SQLite, dates travel as text and booleans as integers, parsed by polars
    at once rather than value by value by the driver.
    """
    columns = [
        f"CAST({c} AS TEXT)" if t == pl.Date and not is_postgres() else c for c, t in schema.items()
    ]
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", params)
        rows = cur.fetchall()
    loose = {
        k: (pl.Int64 if v == pl.Boolean else pl.Utf8 if v == pl.Date and not is_postgres() else v)
        for k, v in schema.items()
    }
    frame = pl.DataFrame(rows, schema=loose, orient="row")
    return frame.with_columns(
        pl.col(k).cast(pl.Boolean) if v == pl.Boolean else pl.col(k).str.to_date("%Y-%m-%d")
        for k, v in schema.items()
        if v == pl.Boolean or (v == pl.Date and not is_postgres())
    )


def fetch_ints(
    table: str, where: str, params: Sequence[Any], columns: Sequence[str]
) -> pl.DataFrame:
    """Integer columns of many rows, as a polars frame, without a Python object per value.

    The database writes the rows as CSV text (``COPY ... TO STDOUT`` on PostgreSQL,
    ``group_concat`` on SQLite) and polars parses it at once: reading a million
    ids back row by row through the driver costs seconds.
    """
    schema = dict.fromkeys(columns, pl.Int64)
    with connection.cursor() as cur:
        if is_postgres():
            query = cur.cursor.mogrify(
                f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", params
            )
            buffer = io.BytesIO()
            with cur.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            text = buffer.getvalue()
        else:
            row = " || ',' || ".join(f"CAST({c} AS TEXT)" for c in columns)
            cur.execute(f"SELECT group_concat({row}, char(10)) FROM {table} WHERE {where}", params)
            text = (cur.fetchone()[0] or "").encode()
    if not text:
        return pl.DataFrame(schema=schema)
    return pl.read_csv(io.BytesIO(text), has_header=False, new_columns=list(columns), schema=schema)


def reserve_ids(table: str, count: int) -> pl.Series:
    """Primary keys for ``count`` rows about to be inserted into ``table``.

    PostgreSQL hands them out from the table's sequence; SQLite writes under an
    exclusive lock (``BEGIN IMMEDIATE``), so the next ones after the largest are free.
    """
    with connection.cursor() as cur:
        if is_postgres():
            # the sequence named once: looked up on every row, its name cost 10 times
            # the keys themselves (1.8 s for a million-line FEC's documents)
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cur.fetchone()[0]
            # the keys come back as a range when no other writer took some on the way (the
            # usual case): three numbers instead of a row per key
            cur.execute(
                "SELECT min(v), max(v), count(*) FROM (SELECT nextval(%s::regclass) AS v "
                "FROM generate_series(1, %s)) AS reserved",
                [sequence, count],
            )
            low, high, taken = cur.fetchone()
            if count and high - low + 1 == taken:
                return pl.int_range(low, high + 1, eager=True, dtype=pl.Int64).alias("id")
            cur.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
            )
            return pl.Series("id", [row[0] for row in cur.fetchall()], dtype=pl.Int64)
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = cur.fetchone()[0] + 1
    return pl.int_range(start, start + count, eager=True, dtype=pl.Int64).alias("id")


def write_blob(table: str, column: str, pk: int, blob: bytes) -> None:
    """Store ``blob`` in ``column`` of the row ``pk`` of ``table``.

    On PostgreSQL, Django binds parameters on the client: bytes travel as a hex literal
    inside the statement's text, twice their size, for the server to parse (0.6 s for the
    17 MB of a 1M-line FEC's digests). Here they travel as one binary parameter.
    """
    connection.ensure_connection()
    if is_postgres():
        import psycopg  # the PostgreSQL driver, only where it is the store

        with psycopg.Cursor(connection.connection) as cur:
            cur.execute(f"UPDATE {table} SET {column} = %b WHERE id = %s", [blob, pk])
        return
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [blob, pk])


def drop_temp_table(name: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
