"""Reader of the FEC (Fichier des Écritures Comptables, article A47 A-1 of the LPF).

The whole file is read set-based with polars: one pass splits the lines, each
column is checked as a vector, and every rejected row is reported with its
line, column and reason. What comes out is the customer side of the ledger:
the lines of the receivable accounts (``411*``, ``413*``, ``416*`` by
default), one row per line, with the flags the ledger needs (does the entry
carry a revenue account, is it an opening entry).

Accepted: tab, ``|`` (or ``;``) separators; decimal comma or point; UTF-8 (with
or without BOM) or ISO-8859-15; CRLF or LF; header names in any case; signed
zero-padded amounts (`` 000000000007760,45``); ``Montant`` + ``Sens`` instead
of ``Debit`` + ``Credit``.
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from creditpilot.core.errors import InvalidInputError, RowError
from creditpilot.readers.raw import RawRead, read_bytes

REQUIRED = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "EcritureLet",
    "DateLet",
    "ValidDate",
)
AMOUNT_PAIRS = (("Debit", "Credit"), ("Montant", "Sens"))
OPTIONAL = ("Montantdevise", "Idevise")
ENTRY = ["JournalCode", "EcritureNum"]
SENS_DEBIT = ["D", "+1", "DEBIT"]
SENS_CREDIT = ["C", "-1", "CREDIT"]
MAX_REPORTED_ERRORS = 1000
# amounts are checked exactly up to this many decimals (15 digits before the point fit beside)
MAX_DECIMALS = 20
_AMOUNT = r"^[+-]?(\d{1,15}([.,]\d*)?|[.,]\d+)$"
_AMOUNT_CENTS = r"^[+-]?(\d{1,15}(\.\d{0,2})?|\.\d{1,2})$"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# values compared or parsed: surrounding spaces and quotes go; labels are kept as written
_TRIMMED = (
    "JournalCode",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompAuxNum",
    "PieceRef",
    "PieceDate",
    "EcritureLet",
    "DateLet",
    "Sens",
    "Idevise",
)


@dataclass
class FecFile:
    """What a FEC holds for the receivables ledger."""

    path: str
    content_hash: str
    encoding: str
    separator: str
    data_lines: int
    lines: pl.DataFrame  # customer lines, see ``customer_lines`` for the columns
    period_start: date | None
    period_end: date | None
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rejected_lines: set[int] = field(default_factory=set)
    # receivable accounts written with an auxiliary account somewhere in the lines read, and
    # those written without one: a line without one is refused when its account is in the first
    collective_accounts: frozenset[str] = frozenset()
    accounts_without_aux: frozenset[str] = frozenset()
    # the entries read, when asked for (see ``entry_digests``)
    entries: pl.DataFrame | None = None


@dataclass
class FecText:
    """A FEC decoded and cut into lines, not parsed yet: ``frame`` holds ``line`` and ``raw``.

    ``data``: the file as UTF-8 bytes, when each of its lines after the header is a row of
    ``frame`` (no blank line): the first full read cuts the fields out of them at once, and
    lets go of them (see ``_fields_of``).
    """

    path: str
    content_hash: str
    encoding: str
    header: str
    layout: _Layout
    frame: pl.DataFrame
    data: bytes | None = None

    @property
    def data_lines(self) -> int:
        return self.frame.height


def _check_text(raw: bytes, name: str) -> None:
    """Refuse what is no text at all: an empty file, UTF-16, zeros."""
    if not raw:
        raise InvalidInputError.of("empty_file", file=name)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        if (
            raw.startswith((b"\xff\xfe", b"\xfe\xff"))
            or raw[1:200:2].count(0) > 50
            or raw[0:200:2].count(0) > 50
        ):
            raise InvalidInputError.of("bad_encoding", variant="fec_utf16", file=name)
        raise InvalidInputError.of("not_text", file=name)


def _check_controls(head: str, name: str) -> None:
    """Refuse a file whose start (``head``, up to a million characters) is not text."""
    controls = len(_CONTROL.findall(head, 0, 1_000_000))
    if controls > max(2, min(len(head), 1_000_000) // 1000):
        raise InvalidInputError.of("not_text", file=name)


def _utf8_head(data: bytes) -> str | None:
    """The first megabyte of ``data`` as UTF-8 (a character cut at its end left out); None
    when it is not UTF-8."""
    head = data[:1_000_000]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.reason == "unexpected end of data" and err.start >= len(head) - 3:
            return head[: err.start].decode("utf-8")
        return None


def _latin9(data: bytes, name: str) -> bytes:
    """A file that is not UTF-8, read as ISO-8859-15 and written in UTF-8; anything else is
    refused (C1 controls are what another single-byte encoding's letters look like)."""
    text = data.decode("iso8859_15")
    if any(0x80 <= ord(ch) <= 0x9F for ch in text):
        raise InvalidInputError.of("bad_encoding", variant="fec_other", file=name)
    _check_controls(text[:1_000_000], name)
    return text.encode("utf-8")


def _amount_cents(expr: pl.Expr) -> pl.Expr:
    """Cents of a decimal string (comma or point), rounded half-up; null when empty."""
    digits = expr.str.replace_all(r"^[+-]", "")
    int_part = digits.str.extract(r"^(\d*)", 1).str.to_integer(strict=False).fill_null(0)
    frac = digits.str.extract(r"\.(\d*)$", 1).fill_null("") + "000"
    cents = int_part * 100 + frac.str.slice(0, 2).str.to_integer(strict=False)
    cents = cents + (frac.str.slice(2, 1).str.to_integer(strict=False) >= 5).cast(pl.Int64)
    return pl.when(expr.str.starts_with("-")).then(-cents).otherwise(cents)


def _clean_amount(name: str) -> pl.Expr:
    """The amount without spaces, with a decimal point."""
    return pl.col(name).fill_null("").str.replace_all(r"\s", "").str.replace(",", ".", literal=True)


def _units(cents: pl.Expr) -> pl.Expr:
    """Cents as a decimal string of currency units: -5 -> ``-0.05``."""
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (cents.abs() // 100).cast(pl.Utf8)
    return pl.format("{}{}.{}", sign, whole, (cents.abs() % 100).cast(pl.Utf8).str.zfill(2))


def _decimal_text(exact: pl.Expr) -> pl.Expr:
    """An exact decimal as text, two decimals at least, no trailing zero beyond them: the
    same whatever the scale the file's other amounts called for (``0.0100`` -> ``0.01``)."""
    return exact.cast(pl.Utf8).str.replace(r"^(-?\d+\.\d\d\d*?)0+$", "${1}")


class _Rejections:
    """The rows refused so far: the first ``MAX_REPORTED_ERRORS`` as errors, all of them counted."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[RowError] = []
        self.count = 0
        self.lines: set[int] = set()

    def add(
        self, bad: pl.DataFrame, column: str | None, code: str, /, **params: pl.Expr | str | int
    ) -> None:
        """Refuse the rows of ``bad``; each error's params are read from its row by ``params``."""
        self.count += bad.height
        if bad.height == 0:
            return
        self.lines.update(bad["line"].to_list())
        room = MAX_REPORTED_ERRORS - len(self.errors)
        if room <= 0:
            return
        exprs = [(v if isinstance(v, pl.Expr) else pl.lit(v)).alias(k) for k, v in params.items()]
        for row in bad.head(room).select("line", *exprs).iter_rows(named=True):
            line = row.pop("line")
            self.errors.append(RowError.of(self.file, line, column, code, **row))

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: (e.line or 0, e.column or ""))


@dataclass
class _Layout:
    """How the file is written: separator, fields per line, where each known column is."""

    separator: str
    n_fields: int
    columns: dict[str, int]

    @property
    def amount_column(self) -> str:
        return "Debit" if "Debit" in self.columns else "Montant"


def read_fec(
    path: Path | str,
    *,
    receivable_prefixes: tuple[str, ...] = ("411", "413", "416"),
    opening_journals: tuple[str, ...] = ("AN", "RAN", "OUV", "ANO", "ANX"),
    company_currency: str = "EUR",
    raw: bytes | None = None,
    content_hash: str | None = None,
) -> FecFile:
    """Read a FEC; raise ``InvalidInputError`` when the file as a whole is unreadable.

    ``raw`` and its ``content_hash``: the file's bytes and their SHA-256 when the caller has them.
    """
    return read_fec_text(
        split_fec(path, raw=raw, content_hash=content_hash),
        receivable_prefixes=receivable_prefixes,
        opening_journals=opening_journals,
        company_currency=company_currency,
    )


def split_fec(
    path: Path | str, *, raw: bytes | None = None, content_hash: str | None = None
) -> FecText:
    """The FEC decoded and cut into its numbered lines; the header read."""
    name = str(path)
    raw = raw if raw is not None else read_bytes(path)
    if content_hash is None:
        content_hash = hashlib.sha256(raw).hexdigest()
    _check_text(raw, name)
    data = raw.removeprefix(b"\xef\xbb\xbf")
    del raw
    # UTF-8, else ISO-8859-15. A UTF-8 file is not decoded here: polars checks every byte of
    # it as it cuts the lines, and refuses it at the first sequence that is not UTF-8
    head = _utf8_head(data)
    encoding = "utf-8" if head is not None else "iso-8859-15"
    if head is not None:
        _check_controls(head, name)
        try:
            frame, layout, header, blank_free = _split_lines(data, name)
        except pl.exceptions.ComputeError as err:
            if "utf" not in str(err).lower():  # "invalid utf-8 sequence"
                raise
            head, encoding = None, "iso-8859-15"
    if head is None:
        data = _latin9(data, name)
        frame, layout, header, blank_free = _split_lines(data, name)
    return FecText(
        name, content_hash, encoding, header, layout, frame, data if blank_free else None
    )


class ReadAhead:
    """A FEC read from disk, hashed, cut into lines and its entries digested on threads of
    their own, while the caller does something else: loads the rest of the program, asks
    the store what it holds.

    The work is the file system's, hashlib's and polars', which all let go of Python's lock:
    the command line starts reading (``raw``) before polars and Django are loaded, so that
    it all runs during those 0.4 s. The entries are digested as soon as the lines are cut;
    the bytes are hashed after that, or when asked. ``text()`` is the file with its SHA-256;
    ``entries()``, ``entry_digests`` of it; either raises what reading the file raised
    (``InvalidInputError``).
    """

    def __init__(self, path: Path | str, raw: RawRead | None = None) -> None:
        self.path = path
        self._raw = raw or RawRead(path)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="creditpilot-read")
        self._lines: Future[FecText] = self._pool.submit(self._split)
        self._entries: Future[pl.DataFrame] = self._pool.submit(self._digest)
        self._pool.shutdown(wait=False)

    def _split(self) -> FecText:
        return split_fec(self.path, raw=self._raw.data(), content_hash="")

    def _digest(self) -> pl.DataFrame:
        try:
            return entry_digests(self._lines.result())
        finally:
            # hashed once the entries no longer need the cores (see ``lines``)
            self._raw.hash_now()

    def lines(self) -> FecText:
        """The file cut into lines, its SHA-256 not asked for yet (``content_hash`` empty):
        the hash takes a core for 0.07 s per million lines, better spent after the entries
        are digested, unless the caller needs it at once (``text``)."""
        return self._lines.result()

    def text(self) -> FecText:
        # the one FecText, hashed in place: a copy would leave its bytes (``data``) held here
        # after the full read let go of them (hashing lets go of the raw read's)
        text = self._lines.result()
        text.content_hash = self._raw.sha256()
        return text

    def entries(self) -> pl.DataFrame:
        return self._entries.result()


def read_fec_text(
    text: FecText,
    *,
    receivable_prefixes: tuple[str, ...] = ("411", "413", "416"),
    opening_journals: tuple[str, ...] = ("AN", "RAN", "OUV", "ANO", "ANX"),
    company_currency: str = "EUR",
    only: pl.DataFrame | None = None,
    digests: bool = False,
) -> FecFile:
    """Parse and check the lines of ``text``: all of them, or the lines ``only`` names.

    ``only`` (a ``line`` column) must name whole entries: every check but one is made
    within an entry, and the lines are numbered as in the file. The one check across
    entries (a receivable account written with an auxiliary account elsewhere, see
    ``_customer_lines``) is made over the lines read. ``digests``: ``entries`` holds
    each entry's digest (see ``entry_digests``).
    """
    name, layout = text.path, text.layout
    frame = text.frame if only is None else text.frame.join(only, on="line", how="semi")
    data = text.data if only is None else None
    text.data = None  # one full read is all it serves
    rejections = _Rejections(name)
    fields, entry_of_line = _split_fields(frame, layout, rejections, hashed=digests, data=data)
    del data
    del frame
    entries = _digests(entry_of_line) if digests else None
    entry_of_line = entry_of_line.select("line", *ENTRY)
    _check_required(fields, rejections)
    fields = _parse_dates(fields, rejections)
    fields = _parse_amounts(fields, layout, rejections)
    valid = _without_rejected_entries(fields, entry_of_line, rejections)
    del fields, entry_of_line
    valid = _check_balance(valid, layout, rejections)
    customers, collective, without_aux = _customer_lines(valid, receivable_prefixes, rejections)
    lines = _ledger_lines(valid, customers, layout, opening_journals, company_currency)
    period = valid.select(
        pl.col("_EcritureDate").min().alias("a"), pl.col("_EcritureDate").max().alias("b")
    )
    return FecFile(
        path=name,
        content_hash=text.content_hash,
        encoding=text.encoding,
        separator=layout.separator,
        data_lines=text.data_lines,
        lines=lines,
        period_start=period["a"][0],
        period_end=period["b"][0],
        errors=rejections.sorted_errors(),
        error_count=rejections.count,
        rejected_lines=rejections.lines,
        collective_accounts=collective,
        accounts_without_aux=without_aux,
        entries=entries,
    )


# an entry's digest: a 64-bit hash of the list of its lines' hashes, in the file's order (as
# wide as a document's fingerprint, which the next day's export trusts as much)
_LINE_SEED = 20261204
_ENTRY_SEED = 71
_PLACE_SEED = 72
_DIGEST_FIELDS = ("JournalCode", "EcritureNum", "EcritureDate")


def _cut(sep: str, count: int) -> list[pl.Expr]:
    """The first ``count`` fields of each line (``field_0``...; null past its last field).

    Each field is taken from one split of the line into a list, which the lazy engine
    computes once: twice as fast as ``split_exact`` into a struct.
    """
    parts = pl.col("raw").str.split(sep, inclusive=False)
    return [parts.list.get(i, null_on_oob=True).alias(f"field_{i}") for i in range(count)]


def _line_hashes() -> list[pl.Expr]:
    return [pl.col("raw").hash(seed=_LINE_SEED).alias("_h")]


def entry_digests(text: FecText) -> pl.DataFrame:
    """Each entry of the file (its lines grouped as the reader groups them: journal and
    number, trimmed) with a digest of its lines as written, byte for byte and in order.

    Columns: ``entry`` (the digest), ``first_date``, ``last_date`` (its
    ``EcritureDate`` as a number YYYYMMDD, least and greatest), ``lines`` (their numbers). Only the
    columns that group the lines are cut out, so this costs a fraction of a full read;
    ``read_fec_text(..., digests=True)`` gives the same from a full read.
    """
    sep, columns = text.layout.separator, text.layout.columns
    cut = max(columns[c] for c in _DIGEST_FIELDS) + 1
    keys = (
        # a few fields at the start of the line, the rest left whole as the last part:
        # splitn stops there, which a whole split (``_cut``) does not (and a third cheaper
        # than split_exact, which cuts out one field more)
        text.frame.lazy()
        .select("line", *_line_hashes(), pl.col("raw").str.splitn(sep, cut + 1).alias("f"))
        .unnest("f")
        .select(
            "line",
            "_h",
            *[
                pl.col(f"field_{columns[c]}")
                .fill_null("")
                .str.strip_chars()
                .str.strip_chars('"')
                .alias(c)
                for c in _DIGEST_FIELDS
            ],
        )
        .collect()
    )
    return _digests(keys)


def _digests(keys: pl.DataFrame) -> pl.DataFrame:
    """``entry_digests`` from the lines' ``_h`` and trimmed key fields, in line order.

    An entry's digest is the sum (wrapping) of its lines' hashes, each mixed with its place
    in the entry: any byte and the order of the lines count, and a run of lines adds up
    without grouping. An export writes each entry's lines one after the other, on one
    date: the entries are then the runs of lines with one key, and their digests,
    dates and lines are read off running sums at each run's ends, 0.065 s where grouping
    a million lines took 0.1 s. Otherwise (an entry's lines on several dates, a blank
    line between two lines, a key in two runs) the lines are grouped, by run or by key.
    """
    same = pl.all_horizontal(pl.col(c) == pl.col(c).shift(1) for c in ENTRY).fill_null(False)
    lines = (
        keys.lazy()
        .with_row_index("_row")
        .with_columns(
            (~same).alias("_start"),
            # the dates as numbers (YYYYMMDD; null when not one): the least and greatest
            # cost less
            pl.col("EcritureDate").cast(pl.Int64, strict=False).alias("_day"),
        )
        .with_columns(pl.when("_start").then("_row").forward_fill().alias("_first"))
        .collect()
    )
    starts = lines.filter("_start")
    if not starts.select(pl.struct(ENTRY).is_unique().all()).item():
        # some entry's lines are apart: its place in the entry counts its lines in order
        place = pl.int_range(pl.len(), dtype=pl.UInt32).over(ENTRY)
        return _grouped(lines.with_columns(place.alias("_place")), ENTRY)
    lines = lines.with_columns((pl.col("_row") - pl.col("_first")).alias("_place"))
    # the run's lines numbered one after the other, on its first line's date
    first = pl.col("_row") == pl.col("_first")
    regular = (
        lines.select(
            (first | (pl.col("line").diff() == 1)).all()
            & (first | pl.col("_day").eq_missing(pl.col("_day").shift(1))).all()
        ).item()
        if lines.height
        else True
    )
    if not regular:
        return _grouped(lines.with_columns((~same).cum_sum().alias("_run")), ["_run"])
    sums = lines.select("_start", "line", "_day", _mixed().cum_sum().alias("_sum")).with_columns(
        pl.col("_sum").shift(1, fill_value=0).alias("_before")
    )
    ends = sums.filter(pl.col("_start").shift(-1, fill_value=True))
    at_start = sums.filter("_start")
    return pl.DataFrame(
        {
            "entry": (ends["_sum"] - at_start["_before"]).reinterpret(signed=True),
            "first_date": at_start["_day"],
            "last_date": at_start["_day"],
        }
    ).with_columns(
        pl.int_ranges(at_start["line"], ends["line"] + 1, dtype=pl.UInt32).alias("lines")
    )


def _mixed() -> pl.Expr:
    """Each line's hash mixed with its place in its entry (``_place``)."""
    place = pl.col("_place").cast(pl.UInt64).hash(seed=_PLACE_SEED)
    return (pl.col("_h") ^ place).hash(seed=_ENTRY_SEED)


def _grouped(lines: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """``_digests`` by grouping the lines (``_place`` given) by ``by``."""
    return (
        lines.lazy()
        .group_by(by, maintain_order=True)
        .agg(
            _mixed().sum().reinterpret(signed=True).alias("entry"),
            pl.col("_day").min().alias("first_date"),
            pl.col("_day").max().alias("last_date"),
            pl.col("line").alias("lines"),
        )
        .select("entry", "first_date", "last_date", "lines")
        .collect()
    )


def _split_lines(data: bytes, name: str) -> tuple[pl.DataFrame, _Layout, str, bool]:
    """The data lines (``line``, ``raw``) numbered as in the file, the layout of the header,
    and whether every line after the header is one of them (none blank)."""
    # one column of whole lines, read natively; blank lines stay (as null) so that
    # row numbers are line numbers
    frame = pl.read_csv(
        data,
        separator="\x1f",
        has_header=False,
        quote_char=None,
        infer_schema=False,
        new_columns=["raw"],
        truncate_ragged_lines=True,
    )
    header_line = (frame["raw"][0] or "").lstrip("\ufeff")
    separator = _separator(header_line)
    header = [h.strip().strip('"').strip() for h in header_line.split(separator)]
    layout = _Layout(separator, len(header), _map_header(header, name))
    frame = frame.slice(1).with_row_index("line", offset=2)
    # blank: nothing but white space (asked as "no other character": twice as fast)
    blank = pl.col("raw").is_null() | ~pl.col("raw").str.contains(r"\S")
    # most files have no blank line: asked first, without copying every line stripped
    blank_free = not frame.select(blank.any()).item()
    if not blank_free:
        frame = frame.filter(~blank)
    if frame.height == 0:
        raise InvalidInputError.of("no_data", file=name, line=1)
    return frame, layout, header_line, blank_free


def _split_fields(
    frame: pl.DataFrame,
    layout: _Layout,
    rejections: _Rejections,
    *,
    hashed: bool = False,
    data: bytes | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Lines cut into their named fields; a line with the wrong number of fields is refused.

    Also returns the entry (journal, number) of every line, refused ones included, so that
    a refused line can take its whole entry with it; ``hashed``: with what ``_digests``
    needs (the hashes of the lines as written and their ``EcritureDate``). ``data``: the
    whole file, each line a row of ``frame`` (see ``FecText.data``).
    """
    sep, n_fields = layout.separator, layout.n_fields
    # values compared or parsed lose their surrounding spaces and quotes: only the lines that
    # have any are trimmed (most exports have none)
    padded = pl.col("raw").str.contains(rf'^\s|\s$|\s{re.escape(sep)}|{re.escape(sep)}\s|"')
    hashes = _line_hashes() if hashed else []
    cut = _fields_of(data, sep, n_fields + 1, frame.height) if data is not None else None
    if cut is not None:
        fields = frame.lazy().select("line", "raw", padded.alias("_padded"), *hashes).collect()
        fields = fields.hstack(cut)
        is_wrong = pl.col("raw").str.count_matches(sep, literal=True) != n_fields - 1
    else:
        # one field more than the header: a line with too many has it, one with too few
        # lacks the header's last
        fields = (
            frame.lazy()
            .select("line", "raw", padded.alias("_padded"), *hashes, *_cut(sep, n_fields + 1))
            .collect()
        )
        last, extra = pl.col(f"field_{n_fields - 1}"), pl.col(f"field_{n_fields}")
        is_wrong = extra.is_not_null() | last.is_null()
    # filtered only when there are some: asking costs a thousandth of a filter that keeps none
    wrong = (
        fields.filter(is_wrong).select("line", "raw")
        if fields.select(is_wrong.any()).item()
        else fields.clear().select("line", "raw")
    )
    found = pl.col("raw").str.count_matches(sep, literal=True) + 1
    rejections.add(wrong, None, "wrong_field_count", expected=n_fields, found=found)
    rename = {f"field_{i}": key for key, i in layout.columns.items()}
    kept = ["_h"] if hashed else []
    fields = fields.select(
        "line",
        "_padded",
        *kept,
        *[pl.col(src).fill_null("").alias(dst) for src, dst in rename.items()],
    )
    fields = _trimmed(fields).drop("_padded")
    entry_of_line = fields.select("line", *kept, *ENTRY, *(["EcritureDate"] if hashed else []))
    fields = fields.drop(kept)
    if wrong.height:
        fields = fields.filter(~pl.col("line").is_in(wrong["line"].implode()))
    return fields, entry_of_line


def _fields_of(data: bytes, sep: str, count: int, lines: int) -> pl.DataFrame | None:
    """The first ``count`` fields (``field_0``...; empty past a line's last) of the ``lines``
    lines after the header of ``data``, by polars' CSV reader on both cores: 0.2 s for a
    million lines, where cutting each line of ``frame`` takes 0.3-0.6 s. None when the
    reader does not see as many lines (then each line is cut, see ``_cut``).
    """
    schema = {f"field_{i}": pl.Utf8 for i in range(count)}
    try:
        fields = pl.read_csv(
            data,
            separator=sep,
            has_header=False,
            skip_rows=1,
            quote_char=None,
            schema=schema,
            truncate_ragged_lines=True,
            empty_string_is_null=False,
            missing_columns="insert",
        )
    except pl.exceptions.PolarsError:  # whatever puzzles the reader: each line is cut
        return None
    return fields if fields.height == lines else None


def _trimmed(fields: pl.DataFrame) -> pl.DataFrame:
    """The ``_TRIMMED`` values of the ``_padded`` lines without surrounding spaces and quotes."""
    padded = int(fields["_padded"].sum())
    if padded == 0:
        return fields
    strip = [
        pl.col(c).str.strip_chars().str.strip_chars('"') for c in _TRIMMED if c in fields.columns
    ]
    if padded == fields.height:
        return fields.with_columns(strip)
    mask = pl.col("_padded")
    return pl.concat([fields.filter(~mask), fields.filter(mask).with_columns(strip)]).sort("line")


def _check_required(fields: pl.DataFrame, rejections: _Rejections) -> None:
    for col in ("JournalCode", "EcritureNum", "EcritureDate", "CompteNum"):
        rejections.add(fields.filter(pl.col(col) == ""), col, "missing_value")


def _parse_dates(fields: pl.DataFrame, rejections: _Rejections) -> pl.DataFrame:
    """``_EcritureDate``, ``_PieceDate``, ``_DateLet``: the dates, null when empty or refused."""
    columns = ("EcritureDate", "PieceDate", "DateLet")
    fields = fields.with_columns(
        pl.when(pl.col(col).str.contains(r"^\d{8}$"))
        .then(pl.col(col).str.strptime(pl.Date, "%Y%m%d", strict=False))
        .alias(f"_{col}")
        for col in columns
    )
    refused = {col: (pl.col(col) != "") & pl.col(f"_{col}").is_null() for col in columns}
    found = fields.select(mask.any().alias(col) for col, mask in refused.items()).row(0)
    for col, any_refused in zip(columns, found, strict=True):
        if any_refused:
            bad = fields.filter(refused[col])
            rejections.add(bad, col, "bad_date", value=pl.col(col), format="YYYYMMDD")
    return fields


def _parse_amounts(fields: pl.DataFrame, layout: _Layout, rejections: _Rejections) -> pl.DataFrame:
    """``_amount``: debit minus credit in cents, rounded half-up; ``_Montantdevise`` likewise.

    When a line carries three decimals or more, ``_exact`` holds the exact signed amount
    too: an entry balances on its exact amounts, not on amounts rounded line by line.
    """
    if "Debit" in layout.columns:
        amount_cols = ["Debit", "Credit"]
    else:
        amount_cols = ["Montant"]
        bad = fields.filter(~pl.col("Sens").str.to_uppercase().is_in(SENS_DEBIT + SENS_CREDIT))
        rejections.add(bad, "Sens", "bad_sens", value=pl.col("Sens"))
    all_cols = [*amount_cols, *(["Montantdevise"] if "Montantdevise" in layout.columns else [])]
    fields = fields.with_columns(_clean_amount(c).alias(f"_clean_{c}") for c in all_cols)
    # the common case, every amount with two decimals at most: one check, no other pass
    cents_only = [
        pl.col(f"_clean_{c}").str.contains(_AMOUNT_CENTS) | (pl.col(f"_clean_{c}") == "")
        for c in all_cols
    ]
    plain = bool(fields.select(pl.all_horizontal(cents_only).all()).item())
    scale = None if plain else _decimals_beyond_cents(fields, amount_cols)
    for col in all_cols:
        fields = _parse_amount(
            fields, col, rejections, scale if col in amount_cols else None, plain=plain
        )
    if "Debit" in layout.columns:
        signed = {k: pl.col(f"{k}Debit") - pl.col(f"{k}Credit") for k in ("_", "_exact_")}
    else:
        is_credit = pl.col("Sens").str.to_uppercase().is_in(SENS_CREDIT)
        signed = {
            k: pl.when(is_credit).then(-pl.col(f"{k}Montant")).otherwise(pl.col(f"{k}Montant"))
            for k in ("_", "_exact_")
        }
    fields = fields.with_columns(signed["_"].alias("_amount"))
    if scale is not None:
        fields = fields.with_columns(signed["_exact_"].alias("_exact"))
    if "Montantdevise" not in layout.columns:
        fields = fields.with_columns(pl.lit(0, dtype=pl.Int64).alias("_Montantdevise"))
    return fields


def _decimals_beyond_cents(fields: pl.DataFrame, columns: list[str]) -> int | None:
    """How many decimals the amounts carry at most, when that is more than two; else None."""
    decimals = [
        pl.col(f"_clean_{c}").str.extract(r"\.(\d*)$", 1).str.len_chars().max() for c in columns
    ]
    most = fields.select(pl.max_horizontal(decimals)).item()
    return min(int(most), MAX_DECIMALS) if most is not None and most > 2 else None


def _parse_amount(
    fields: pl.DataFrame, col: str, rejections: _Rejections, scale: int | None, *, plain: bool
) -> pl.DataFrame:
    """``_<col>``: the amount in cents (0 when empty or refused); ``_exact_<col>`` at ``scale``.

    ``plain``: every amount of the file is known to have two decimals at most.
    """
    cleaned = pl.col(f"_clean_{col}")
    cents = (cleaned.str.to_decimal(scale=2) * 100).cast(pl.Int64)
    if plain:
        return fields.with_columns(
            pl.when(cleaned != "").then(cents).otherwise(0).alias(f"_{col}")
        ).drop(f"_clean_{col}")
    ok = (cleaned == "") | cleaned.str.contains(_AMOUNT)
    rejections.add(fields.filter(~ok), col, "bad_amount", value=pl.col(col))
    # two decimals at most (the rule): exact decimal parsing; more: rounded half-up
    two_places = cleaned.str.contains(_AMOUNT_CENTS)
    if fields.select((ok & ~two_places & (cleaned != "")).any()).item():
        cents = pl.when(two_places).then(cents).otherwise(_amount_cents(cleaned))
    given = ok & (cleaned != "")
    fields = fields.with_columns(pl.when(given).then(cents).otherwise(0).alias(f"_{col}"))
    if scale is not None:
        exact = cleaned.str.to_decimal(scale=scale)
        zero = pl.lit(0).cast(pl.Decimal(38, scale))
        fields = fields.with_columns(
            pl.when(given).then(exact).otherwise(zero).alias(f"_exact_{col}")
        )
    return fields.drop(f"_clean_{col}")


def _without_rejected_entries(
    fields: pl.DataFrame, entry_of_line: pl.DataFrame, rejections: _Rejections
) -> pl.DataFrame:
    """The lines of the entries none of whose lines was refused.

    A refused line takes its whole entry with it: half an entry is never stored, and
    its balance is not checked again.
    """
    refused = pl.Series(list(rejections.lines), dtype=pl.UInt32).implode()
    bad_entries = entry_of_line.filter(pl.col("line").is_in(refused)).select(ENTRY).unique()
    if bad_entries.height == 0:
        return fields
    rejections.lines.update(entry_of_line.join(bad_entries, on=ENTRY, how="semi")["line"].to_list())
    return fields.filter(~pl.col("line").is_in(refused)).join(bad_entries, on=ENTRY, how="anti")


def _check_balance(valid: pl.DataFrame, layout: _Layout, rejections: _Rejections) -> pl.DataFrame:
    """Refuse the entries whose debits and credits differ; the others' lines."""
    exact = "_exact" in valid.columns
    sums = valid.group_by(ENTRY).agg(
        pl.col("_exact" if exact else "_amount").sum().alias("net"),
        pl.col("line").min().alias("line"),
    )
    unbalanced = sums.filter(pl.col("net") != 0).sort("line")
    rejections.add(
        unbalanced,
        layout.amount_column,
        "unbalanced_entry",
        entry=pl.col("EcritureNum"),
        journal=pl.col("JournalCode"),
        difference=_decimal_text(pl.col("net")) if exact else _units(pl.col("net")),
    )
    if unbalanced.height == 0:
        return valid.drop("_exact") if exact else valid
    entries = unbalanced.select(ENTRY)
    rejections.lines.update(valid.join(entries, on=ENTRY, how="semi")["line"].to_list())
    valid = valid.join(entries, on=ENTRY, how="anti")
    return valid.drop("_exact") if exact else valid


def _customer_lines(
    valid: pl.DataFrame, receivable_prefixes: tuple[str, ...], rejections: _Rejections
) -> tuple[pl.DataFrame, frozenset[str], frozenset[str]]:
    """The lines of the receivable accounts; one without a customer is refused.

    A receivable line needs a customer: its auxiliary account, or the account itself when
    that account is a customer's own (not a collective account such as 411000). Also
    returns the accounts written with an auxiliary account and those written without.
    """
    is_receivable = pl.lit(False)
    for prefix in receivable_prefixes:
        is_receivable = is_receivable | pl.col("CompteNum").str.starts_with(prefix)
    customers = valid.filter(is_receivable)
    collective_accounts = (
        customers.filter(pl.col("CompAuxNum") != "")["CompteNum"].unique().implode()
    )
    trailing = pl.col("CompteNum").str.replace(r"0+$", "")
    is_collective = trailing.is_in(list(receivable_prefixes)) | (trailing.str.len_chars() <= 3)
    no_customer = customers.filter(
        (pl.col("CompAuxNum") == "")
        & (is_collective | pl.col("CompteNum").is_in(collective_accounts))
    )
    rejections.add(no_customer, "CompAuxNum", "no_customer", account=pl.col("CompteNum"))
    if no_customer.height:
        customers = customers.filter(~pl.col("line").is_in(no_customer["line"].implode()))
    without_aux = valid.filter(is_receivable & (pl.col("CompAuxNum") == ""))["CompteNum"]
    return (
        customers,
        frozenset(collective_accounts.explode().to_list()),
        frozenset(without_aux.unique().to_list()),
    )


def _ledger_lines(
    valid: pl.DataFrame,
    customers: pl.DataFrame,
    layout: _Layout,
    opening_journals: tuple[str, ...],
    company_currency: str,
) -> pl.DataFrame:
    """The customer lines in the ledger's words, each with its natural key (see ``FecFile``)."""
    # an entry with a revenue account is a sale; its revenue (class 7, credit - debit) over
    # its customer lines is the share of their amounts that is not VAT
    revenue = (
        valid.filter(pl.col("CompteNum").str.starts_with("7"))
        .group_by(ENTRY)
        .agg((-pl.col("_amount").sum()).alias("entry_revenue"))
        .with_columns(pl.lit(True).alias("is_sale"))
    )
    receivable = customers.group_by(ENTRY).agg(pl.col("_amount").sum().alias("entry_receivable"))
    openings = [j.upper() for j in opening_journals]
    currency = pl.col("Idevise").str.to_uppercase() if "Idevise" in layout.columns else pl.lit("")
    foreign = (currency != "") & (currency != company_currency)
    has_aux = pl.col("CompAuxNum") != ""
    lines = (
        customers.join(revenue, on=ENTRY, how="left", maintain_order="left")
        .join(receivable, on=ENTRY, how="left", maintain_order="left")
        .select(
            pl.col("line").cast(pl.Int64),
            pl.col("JournalCode").alias("journal"),
            pl.col("EcritureNum").alias("entry_number"),
            pl.col("_EcritureDate").alias("entry_date"),
            pl.col("CompteNum").alias("account"),
            pl.when(has_aux)
            .then(pl.col("CompAuxNum"))
            .otherwise(pl.col("CompteNum"))
            .alias("customer_code"),
            pl.when(has_aux)
            .then(pl.col("CompAuxLib"))
            .otherwise(pl.col("CompteLib"))
            .alias("customer_name"),
            pl.col("PieceRef").alias("number"),
            pl.coalesce("_PieceDate", "_EcritureDate").alias("date"),
            pl.col("EcritureLib").alias("label"),
            pl.col("_amount").alias("amount"),
            pl.col("EcritureLet").alias("lettering"),
            pl.col("_DateLet").alias("lettering_date"),
            pl.when(foreign).then(currency).otherwise(pl.lit(company_currency)).alias("currency"),
            pl.when(foreign & (pl.col("_Montantdevise") != 0))
            .then(pl.col("_Montantdevise").abs() * pl.col("_amount").sign())
            .otherwise(pl.col("_amount"))
            .alias("currency_amount"),
            pl.col("is_sale").fill_null(False),
            pl.col("JournalCode").str.to_uppercase().is_in(openings).alias("is_opening"),
            # the entry's revenue and customer lines: its share excluding VAT, kept exact
            pl.col("entry_revenue").alias("entry_excl_vat"),
            pl.when(pl.col("entry_revenue").is_null())
            .then(None)
            .otherwise(pl.col("entry_receivable"))
            .alias("entry_total"),
        )
        .filter(pl.col("amount") != 0)
    )
    return _with_keys(lines)


def _with_keys(lines: pl.DataFrame) -> pl.DataFrame:
    """A stable natural key per line.

    The same line in a later export of the same year gets the same key; lines that share
    every part of it (instalments of one invoice) are numbered.
    """
    group = ["journal", "entry_number", "entry_date", "account", "customer_code"]
    key = pl.concat_str([pl.col(c).cast(pl.Utf8) for c in group], separator="|")
    lines = lines.with_columns(key.alias("key"))
    if lines.select(pl.col("key").is_duplicated().any()).item():
        lines = lines.with_columns(
            pl.when(pl.col("key").is_duplicated())
            .then(pl.format("{}|{}", pl.col("key"), pl.int_range(pl.len()).over("key")))
            .otherwise(pl.col("key"))
            .alias("key")
        )
    return lines


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in ("\t", "|", ";")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else "\t"


def _map_header(header: list[str], name: str) -> dict[str, int]:
    """Position of each known column; refuses a file missing a required one."""
    by_lower = {}
    for i, h in enumerate(header):
        by_lower.setdefault(h.lower(), i)
    found: dict[str, int] = {}
    missing = [col for col in REQUIRED if col.lower() not in by_lower]
    for col in REQUIRED:
        if col.lower() in by_lower:
            found[col] = by_lower[col.lower()]
    for a, b in AMOUNT_PAIRS:
        if a.lower() in by_lower and b.lower() in by_lower:
            found[a], found[b] = by_lower[a.lower()], by_lower[b.lower()]
            break
    else:
        missing += [c for c in ("Debit", "Credit") if c.lower() not in by_lower]
    for col in OPTIONAL:
        if col.lower() in by_lower:
            found[col] = by_lower[col.lower()]
    if missing:
        raise InvalidInputError.of(
            "missing_columns",
            variant=None if len(missing) > 1 else "one",
            columns=", ".join(missing),
            file=name,
            line=1,
            column=missing[0],
        )
    return found
