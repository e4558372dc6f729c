"""The next day's export: skip the entries the last import of the period already read.

A FEC exported every day holds the year again: almost every entry is, byte for byte,
one the last import read. Each import keeps, with its period (``LedgerPeriod``), a
digest of every entry it accepted whole (its lines as written, in order, see
``readers.fec.entry_digests``) and the fingerprints of the documents the entry gave.
The next export of the period is cut into entries and digested (a fraction of a full
read); only the entries whose digest is not kept — new or changed — are parsed and
checked, and the documents of the others are taken as stored. An entry removed or
changed leaves its documents out of the kept ones, so the diff removes or rewrites them
as a full read would.

The result is the full read's. What an entry gives depends on its bytes and on a
context, which must be the same, or the file is read whole:

- the company's settings the reader uses (receivable prefixes, opening journals,
  currency), the file's encoding and header, this format and the polars version
  (``context_of``);
- the customers as the last import left them (``customers_signature``): the documents
  of a skipped entry name their customers by id;
- the stored documents themselves: every kept fingerprint must still be stored in the
  period (checked in the diff, ``StaleDigestsError``);
- the one check across entries: a receivable line without an auxiliary account is
  refused when its account is written with one elsewhere in the file
  (``Skip.agrees_with``).

Only one period may overlap the file's dates. When in doubt, the file is read whole,
and that import keeps fresh digests.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer
from creditpilot.readers.fec import FecFile, FecText
from creditpilot.receivables import bulk
from creditpilot.receivables.models import Document, LedgerPeriod

FORMAT = 3
DIGEST = ["entry"]
# what a period keeps: a row per document of an entry accepted whole (its digest and the
# document's fingerprint), and one with no fingerprint per such entry that gave none. Dates
# are not kept: a skipped entry's are the file's. 16 bytes a document, which the import
# reads and writes again each day (6 MB for a year of 386,000 documents, against 17 MB
# when each entry also had a row of its own with its dates and a 128-bit digest)
_SCHEMA = {"entry": pl.Int64, "fingerprint": pl.Int64}


class StaleDigestsError(Exception):
    """The stored documents are not what the digests say: the file must be read whole."""


def context_of(company: Company, text: FecText) -> str:
    """What, besides its bytes, decides what an entry gives."""
    context = {
        "format": FORMAT,
        "polars": pl.__version__,
        "prefixes": list(company.receivable_prefix_list),
        "openings": list(company.opening_journal_list),
        "currency": company.currency,
        "encoding": text.encoding,
        "header": text.header,
    }
    return hashlib.sha256(json.dumps(context, sort_keys=True).encode()).hexdigest()


def customers_signature(company: Company, upto: int | None = None) -> list[Any]:
    """``[upto, hash]``: the company's customers (id and code) up to id ``upto`` (all of them
    when None) -- what the documents of skipped entries refer to."""
    rows = Customer.objects.filter(company=company).order_by("id").values_list("id", "code")
    if upto is not None:
        rows = rows.filter(id__lte=upto)
    pairs = list(rows)
    digest = hashlib.sha256("\n".join(f"{i}\t{c}" for i, c in pairs).encode()).hexdigest()
    return [pairs[-1][0] if pairs else 0, digest]


@dataclass
class Skip:
    """The entries of the file the last import read (skipped) and the lines left to read."""

    period_id: int
    entries: pl.DataFrame  # the file's entries, see ``entry_digests``
    skipped: pl.DataFrame  # DIGEST of the skipped entries
    kept: pl.DataFrame  # the stored rows of the skipped entries (see ``_SCHEMA``)
    meta: dict[str, Any]

    @property
    def read(self) -> pl.DataFrame:
        """``line``: the lines of the entries to parse."""
        todo = self.entries.join(self.skipped, on=DIGEST, how="anti")
        return todo.select(pl.col("lines").alias("line")).explode("line").drop_nulls()

    @property
    def kept_fingerprints(self) -> pl.DataFrame:
        return self.kept.select("fingerprint").drop_nulls()

    @property
    def counts(self) -> dict[str, int]:
        return {
            "entries_read": self.entries.height - self.skipped.height,
            "entries_skipped": self.skipped.height,
        }

    def span(self) -> tuple[date | None, date | None]:
        """The least and greatest entry dates of the skipped entries (as the file has them:
        their lines are the ones the last import read)."""
        # the dates alone: a join carrying each entry's lines costs five times as much
        dated = self.entries.select(*DIGEST, "first_date", "last_date")
        skipped = dated.join(self.skipped, on=DIGEST, how="semi")
        first = _distinct_dates(skipped["first_date"]).min()
        last = _distinct_dates(skipped["last_date"]).max()
        return first, last  # type: ignore[return-value]

    def agrees_with(self, fec: FecFile) -> bool:
        """Would the lines read be checked as in a full read, and the skipped ones still pass?

        A receivable line without an auxiliary account is refused when its account is
        written with one elsewhere in the file. The skipped entries' accounts are known
        from the last import as a superset (``meta``): any doubt and the file is read whole.
        """
        collective = frozenset(self.meta.get("collective", []))
        without_aux = frozenset(self.meta.get("without_aux", []))
        if fec.collective_accounts & without_aux:
            return False  # a skipped line may now be refused
        return not fec.accounts_without_aux & (collective - fec.collective_accounts)


@dataclass
class Stored:
    """What the store holds of the period a file is most likely the next export of (the
    latest period with usable digests), read while the file's entries are being digested.
    Valid only inside the transaction that read it: the import's."""

    company_id: int
    period_id: int
    start: date
    end: date
    digests: pl.DataFrame  # the period's digests (see ``_SCHEMA``)
    fingerprints: pl.DataFrame  # of its FEC documents (``fingerprint``)

    def fingerprints_of(self, start: date, end: date) -> pl.DataFrame | None:
        """The fingerprints of the FEC documents dated ``start`` to ``end``, when that span
        covers the period's (the days outside it read now); None when it does not."""
        if not (start <= self.start and self.end <= end):
            return None
        parts = [self.fingerprints]
        if start < self.start:
            parts.append(fingerprints_stored(self.company_id, start, self.start - _DAY))
        if self.end < end:
            parts.append(fingerprints_stored(self.company_id, self.end + _DAY, end))
        return pl.concat(parts)


_DAY = timedelta(days=1)


def fec_documents_dated(company_id: int, start: date, end: date) -> tuple[str, list[Any]]:
    """SQL condition and parameters: the company's FEC documents dated ``start`` to ``end``."""
    return (
        "company_id = %s AND source = 'fec' AND entry_date BETWEEN %s AND %s",
        [company_id, start, end],
    )


def fingerprints_stored(company_id: int, start: date, end: date) -> pl.DataFrame:
    """``fingerprint`` of the company's FEC documents dated ``start`` to ``end``."""
    where, params = fec_documents_dated(company_id, start, end)
    return bulk.fetch_ints(Document._meta.db_table, where, params, ["fingerprint"])


def prefetch(company: Company, context: str) -> Stored | None:
    """The latest period whose digests were made in ``context``, with its documents'
    fingerprints; None when no period has usable digests (the file is read whole)."""
    latest = (
        LedgerPeriod.objects.filter(company=company, digest_context=context)
        .exclude(entry_digests=None)
        .order_by("-end")
        .values_list("id", "start", "end", "entry_digests")
        .first()
    )
    if latest is None:
        return None
    period_id, start, end, blob = latest
    fingerprints = fingerprints_stored(company.id, start, end)
    return Stored(company.id, period_id, start, end, load(bytes(blob)), fingerprints)


def plan(
    company: Company,
    text: FecText,
    context: str,
    digested: Callable[[], pl.DataFrame],
    stored: Stored | None,
) -> Skip | None:
    """What can be skipped of ``text``; None when the file must be read whole.
    ``digested``: the file's entry digests (``entry_digests``), asked for when needed;
    ``stored``: what ``prefetch`` read (None: no period has usable digests)."""
    if stored is None:
        return None
    entries = digested()
    dates = _distinct_dates(pl.concat([entries["first_date"], entries["last_date"]])).drop_nulls()
    if dates.len() == 0:
        return None
    start, end = dates.min(), dates.max()
    overlapping = list(
        LedgerPeriod.objects.filter(company=company, start__lte=end, end__gte=start).values_list(
            "id", "digest_context", "digest_meta"
        )
    )
    if len(overlapping) != 1 or overlapping[0][1] != context:
        return None
    period_id, _, meta = overlapping[0]
    if meta.get("customers") != customers_signature(company, (meta.get("customers") or [0])[0]):
        return None
    if period_id == stored.period_id:
        rows = stored.digests
    else:
        blob = LedgerPeriod.objects.filter(pk=period_id).values_list("entry_digests", flat=True)[0]
        rows = load(bytes(blob))
    skipped = entries.select(DIGEST).join(rows.select(DIGEST), on=DIGEST, how="semi")
    kept = rows.join(skipped, on=DIGEST, how="semi")
    return Skip(period_id, entries, skipped, kept, meta)


def entries_kept(
    entries: pl.DataFrame,
    rejected_lines: set[int],
    stage: pl.DataFrame,
    skip: Skip | None,
) -> pl.DataFrame:
    """The rows to keep for the next export: the entries accepted whole (none of their lines
    refused), each with the fingerprints of its documents (``stage``: ``line``,
    ``fingerprint``); the skipped entries' rows as they were."""
    read = entries if skip is None else entries.join(skip.skipped, on=DIGEST, how="anti")
    lines = read.select(*DIGEST, pl.col("lines").alias("line")).explode("line")
    if rejected_lines:
        refused = pl.Series(sorted(rejected_lines), dtype=pl.Int64).implode()
        bad = lines.filter(pl.col("line").cast(pl.Int64).is_in(refused)).select(DIGEST).unique()
        read = read.join(bad, on=DIGEST, how="anti")
        lines = lines.join(bad, on=DIGEST, how="anti")
    doc_rows = lines.with_columns(pl.col("line").cast(pl.Int64)).join(
        stage.select(pl.col("line").cast(pl.Int64), "fingerprint"), on="line", how="inner"
    )
    doc_rows = doc_rows.select(*DIGEST, "fingerprint")
    bare = read.select(DIGEST).join(doc_rows, on=DIGEST, how="anti")
    bare = bare.with_columns(pl.lit(None, dtype=pl.Int64).alias("fingerprint"))
    parts = [doc_rows, bare, *([skip.kept] if skip is not None else [])]
    return pl.concat([p.cast(_SCHEMA) for p in parts])  # type: ignore[arg-type]


def _distinct_dates(numbers: pl.Series) -> pl.Series:
    """The distinct YYYYMMDD numbers of ``numbers`` as dates (null when not a date): a year
    of entries has a few hundred, parsed at once where each entry's costs 0.05 s."""
    return numbers.unique().cast(pl.Utf8).str.strptime(pl.Date, "%Y%m%d", strict=False)


def dump(rows: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    rows.write_ipc(buffer, compression="lz4")
    return buffer.getvalue()


def load(blob: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(blob)).cast(_SCHEMA)  # type: ignore[arg-type]


def meta_of(company: Company, fec: FecFile, skip: Skip | None) -> dict[str, Any]:
    """The customers as they are now and the receivable accounts written with and without an
    auxiliary account (with the skipped entries', known as a superset, when some were)."""
    collective, without_aux = set(fec.collective_accounts), set(fec.accounts_without_aux)
    if skip is not None:
        collective |= set(skip.meta.get("collective", []))
        without_aux |= set(skip.meta.get("without_aux", []))
    return {
        "customers": customers_signature(company),
        "collective": sorted(collective),
        "without_aux": sorted(without_aux),
    }
