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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from creditpilot.core.errors import InvalidInputError, RowError

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
MAX_REPORTED_ERRORS = 1000
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


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """Text of a FEC and the encoding found: UTF-8, else ISO-8859-15; anything else is refused."""
    if not raw:
        raise InvalidInputError("empty_file", "the file is empty (0 bytes)", file=name)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        if (
            raw.startswith((b"\xff\xfe", b"\xfe\xff"))
            or raw[1:200:2].count(0) > 50
            or raw[0:200:2].count(0) > 50
        ):
            raise InvalidInputError(
                "bad_encoding",
                "unsupported encoding (UTF-16 or UTF-32): export the FEC in UTF-8 or ISO-8859-15",
                file=name,
            )
        raise InvalidInputError("not_text", "not a text file (binary content)", file=name)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("iso8859_15"), "iso-8859-15"
        if any(0x80 <= ord(ch) <= 0x9F for ch in text):
            raise InvalidInputError(
                "bad_encoding",
                "unexpected encoding (neither UTF-8 nor ISO-8859-15): export the FEC in UTF-8 or ISO-8859-15",
                file=name,
            ) from None
    controls = len(_CONTROL.findall(text, 0, 1_000_000))
    if controls > max(2, min(len(text), 1_000_000) // 1000):
        raise InvalidInputError("not_text", "not a text file (binary content)", file=name)
    return text, encoding


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


def read_fec(
    path: Path | str,
    *,
    receivable_prefixes: tuple[str, ...] = ("411", "413", "416"),
    opening_journals: tuple[str, ...] = ("AN", "RAN", "OUV", "ANO", "ANX"),
    company_currency: str = "EUR",
    raw: bytes | None = None,
) -> FecFile:
    """Read a FEC; raise ``InvalidInputError`` when the file as a whole is unreadable."""
    name = str(path)
    if raw is None:
        p = Path(path)
        if not p.exists():
            raise InvalidInputError("file_not_found", f"no such file: {name}", file=name)
        if p.is_dir():
            raise InvalidInputError("not_a_file", f"not a file: {name}", file=name)
        raw = p.read_bytes()
    content_hash = hashlib.sha256(raw).hexdigest()
    text, encoding = decode(raw, name)
    data = raw.removeprefix(b"\xef\xbb\xbf") if encoding == "utf-8" else text.encode("utf-8")
    del raw, text
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
    del data
    header_line = (frame["raw"][0] or "").lstrip("\ufeff")
    separator = _separator(header_line)
    header = [h.strip().strip('"').strip() for h in header_line.split(separator)]
    columns = _map_header(header, name)
    n_fields = len(header)

    frame = (
        frame.slice(1)
        .with_row_index("line", offset=2)
        .filter(pl.col("raw").is_not_null() & (pl.col("raw").str.strip_chars() != ""))
    )
    data_lines = frame.height
    if data_lines == 0:
        raise InvalidInputError(
            "no_data", "the file has a header but no data rows", file=name, line=1
        )

    errors: list[RowError] = []
    error_count = 0

    def report(bad: pl.DataFrame, column: str | None, code: str, message: pl.Expr | str) -> None:
        nonlocal error_count
        error_count += bad.height
        room = MAX_REPORTED_ERRORS - len(errors)
        if room <= 0 or bad.height == 0:
            return
        msg = message if isinstance(message, pl.Expr) else pl.lit(message)
        for line, text in bad.head(room).select("line", msg.alias("msg")).iter_rows():
            errors.append(RowError(name, line, column, code, text))

    counts = frame.select(
        "line", pl.col("raw").str.count_matches(separator, literal=True).alias("n")
    )
    wrong = counts.filter(pl.col("n") != n_fields - 1)
    report(
        wrong,
        None,
        "wrong_field_count",
        pl.format("expected {} fields, found {}", pl.lit(n_fields), pl.col("n") + 1),
    )
    rejected: set[int] = set(wrong["line"].to_list())

    split = pl.col("raw").str.split_exact(separator, n_fields - 1).alias("f")
    fields = frame.select("line", split).unnest("f")
    rename = {f"field_{i}": key for key, i in columns.items()}
    fields = fields.select("line", *[pl.col(src).alias(dst) for src, dst in rename.items()])
    fields = fields.with_columns(pl.exclude("line").fill_null("")).with_columns(
        pl.col(c).str.strip_chars().str.strip_chars('"') for c in _TRIMMED if c in fields.columns
    )
    del frame, counts
    all_fields = fields.select("line", "JournalCode", "EcritureNum")
    if wrong.height:
        fields = fields.filter(~pl.col("line").is_in(wrong["line"].implode()))

    # required values
    for col in ("JournalCode", "EcritureNum", "EcritureDate", "CompteNum"):
        bad = fields.filter(pl.col(col) == "")
        report(bad, col, "missing_value", f"{col} is empty")
        rejected.update(bad["line"].to_list())

    # dates
    for col in ("EcritureDate", "PieceDate", "DateLet"):
        parsed = pl.col(col).str.strptime(pl.Date, "%Y%m%d", strict=False)
        ok = pl.col(col).str.contains(r"^\d{8}$") & parsed.is_not_null()
        bad = fields.filter((pl.col(col) != "") & ~ok)
        report(bad, col, "bad_date", pl.format("not a date (YYYYMMDD): '{}'", pl.col(col)))
        rejected.update(bad["line"].to_list())
        fields = fields.with_columns(pl.when(ok).then(parsed).otherwise(None).alias(f"_{col}"))

    # amounts
    if "Debit" in columns:
        amount_cols = ["Debit", "Credit"]
    else:
        amount_cols = ["Montant"]
        bad = fields.filter(
            ~pl.col("Sens").str.to_uppercase().is_in(["D", "C", "+1", "-1", "DEBIT", "CREDIT"])
        )
        report(
            bad, "Sens", "bad_sens", pl.format("Sens must be D or C, found '{}'", pl.col("Sens"))
        )
        rejected.update(bad["line"].to_list())
    if "Montantdevise" in columns:
        amount_cols.append("Montantdevise")
    for col in amount_cols:
        fields = fields.with_columns(_clean_amount(col).alias("_clean"))
        cleaned = pl.col("_clean")
        ok = (cleaned == "") | cleaned.str.contains(_AMOUNT)
        bad = fields.filter(~ok)
        report(bad, col, "bad_amount", pl.format("not an amount: '{}'", pl.col(col)))
        rejected.update(bad["line"].to_list())
        # two decimals at most (the rule): exact decimal parsing; more: rounded half-up
        two_places = cleaned.str.contains(_AMOUNT_CENTS)
        exact = (cleaned.str.to_decimal(scale=2) * 100).cast(pl.Int64)
        if fields.select((ok & ~two_places & (cleaned != "")).any()).item():
            exact = pl.when(two_places).then(exact).otherwise(_amount_cents(cleaned))
        fields = fields.with_columns(
            pl.when(ok & (cleaned != "")).then(exact).otherwise(0).alias(f"_{col}")
        ).drop("_clean")
    if "Debit" in columns:
        fields = fields.with_columns((pl.col("_Debit") - pl.col("_Credit")).alias("_amount"))
    else:
        sens = pl.col("Sens").str.to_uppercase()
        fields = fields.with_columns(
            pl.when(sens.is_in(["C", "-1", "CREDIT"]))
            .then(-pl.col("_Montant"))
            .otherwise(pl.col("_Montant"))
            .alias("_amount")
        )

    if "Montantdevise" not in columns:
        fields = fields.with_columns(pl.lit(0, dtype=pl.Int64).alias("_Montantdevise"))
    # a rejected line takes its whole entry with it: half an entry is never stored,
    # and its balance is not checked again
    entry = ["JournalCode", "EcritureNum"]
    rejected_series = pl.Series(list(rejected), dtype=pl.UInt32).implode()
    bad_entries = all_fields.filter(pl.col("line").is_in(rejected_series)).select(entry).unique()
    valid = fields.filter(~pl.col("line").is_in(rejected_series)).join(
        bad_entries, on=entry, how="anti"
    )
    rejected.update(all_fields.join(bad_entries, on=entry, how="semi")["line"].to_list())

    # entries balance
    sums = valid.group_by(entry).agg(
        pl.col("_amount").sum().alias("net"),
        pl.col("_amount").clip(lower_bound=0).sum().alias("debit"),
        pl.col("line").min().alias("line"),
        pl.col("line").alias("lines"),
    )
    unbalanced = sums.filter(pl.col("net") != 0).sort("line")
    report(
        unbalanced,
        "Debit" if "Debit" in columns else "Montant",
        "unbalanced_entry",
        pl.format(
            "entry {} of journal {} does not balance: debit minus credit is {} cents",
            pl.col("EcritureNum"),
            pl.col("JournalCode"),
            pl.col("net"),
        ),
    )
    if unbalanced.height:
        bad_lines = unbalanced.select(pl.col("lines").explode())["lines"]
        rejected.update(bad_lines.to_list())
        valid = valid.filter(~pl.col("line").is_in(bad_lines.implode()))

    revenue = valid.group_by(entry).agg(
        pl.col("CompteNum").str.starts_with("7").any().alias("is_sale")
    )

    is_receivable = pl.lit(False)
    for prefix in receivable_prefixes:
        is_receivable = is_receivable | pl.col("CompteNum").str.starts_with(prefix)
    customers = valid.filter(is_receivable)

    # a receivable line needs a customer: its auxiliary account, or the account itself when
    # that account is a customer's own (not a collective account such as 411000)
    collective_accounts = (
        customers.filter(pl.col("CompAuxNum") != "")["CompteNum"].unique().implode()
    )
    trailing = pl.col("CompteNum").str.replace(r"0+$", "")
    is_collective = trailing.is_in(list(receivable_prefixes)) | (trailing.str.len_chars() <= 3)
    no_customer = customers.filter(
        (pl.col("CompAuxNum") == "")
        & (is_collective | pl.col("CompteNum").is_in(collective_accounts))
    )
    report(
        no_customer,
        "CompAuxNum",
        "no_customer",
        pl.format(
            "line on customer account {} has no customer (CompAuxNum is empty)", pl.col("CompteNum")
        ),
    )
    if no_customer.height:
        rejected.update(no_customer["line"].to_list())
        customers = customers.filter(~pl.col("line").is_in(no_customer["line"].implode()))

    openings = [j.upper() for j in opening_journals]
    currency = pl.col("Idevise").str.to_uppercase() if "Idevise" in columns else pl.lit("")
    foreign = (currency != "") & (currency != company_currency)
    lines = (
        customers.join(revenue, on=entry, how="left")
        .sort("line")
        .select(
            pl.col("line").cast(pl.Int64),
            pl.col("JournalCode").alias("journal"),
            pl.col("EcritureNum").alias("entry_number"),
            pl.col("_EcritureDate").alias("entry_date"),
            pl.col("CompteNum").alias("account"),
            pl.when(pl.col("CompAuxNum") != "")
            .then(pl.col("CompAuxNum"))
            .otherwise(pl.col("CompteNum"))
            .alias("customer_code"),
            pl.when(pl.col("CompAuxNum") != "")
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
        )
        .filter(pl.col("amount") != 0)
    )
    # a stable natural key: the same line in a later export of the same year gets the same
    # key; lines that share every part of it (instalments of one invoice) are numbered
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
    period = valid.select(
        pl.col("_EcritureDate").min().alias("a"), pl.col("_EcritureDate").max().alias("b")
    )
    errors.sort(key=lambda e: (e.line or 0, e.column or ""))
    return FecFile(
        path=name,
        content_hash=content_hash,
        encoding=encoding,
        separator=separator,
        data_lines=data_lines,
        lines=lines,
        period_start=period["a"][0],
        period_end=period["b"][0],
        errors=errors,
        error_count=error_count,
        rejected_lines=rejected,
    )


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
        raise InvalidInputError(
            "missing_columns",
            f"not a FEC: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            file=name,
            line=1,
            column=missing[0],
        )
    return found
