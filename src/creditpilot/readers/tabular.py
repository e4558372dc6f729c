"""Tabular files (CSV or spreadsheet) as a header and rows of text cells with line numbers.

CSV: UTF-8 (with or without BOM), else ISO-8859-15, else Windows-1252; the
delimiter among ``,`` ``;`` tab ``|`` is taken from the header line.
Spreadsheets (XLSX, XLS, ODS): the first sheet, read by python-calamine;
numbers come back without float artefacts, dates as ISO ``YYYY-MM-DD``.

Also the cell parsers shared by the readers:

>>> parse_amount_cents("1 234,56"), parse_amount_cents("-12.5"), parse_amount_cents("+3")
(123456, -1250, 300)
>>> parse_date("2026-03-31"), parse_date("20260331"), parse_date("31/03/2026")
(datetime.date(2026, 3, 31), datetime.date(2026, 3, 31), datetime.date(2026, 3, 31))
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from creditpilot.core.errors import InvalidInputError
from creditpilot.core.money import to_cents

SPREADSHEETS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_AMOUNT = re.compile(r"^[+-]?\d+([.,]\d{1,2})?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_amount_cents(text: str) -> int:
    """Cents of an amount with a decimal comma or point, at most two decimals."""
    cleaned = _SPACES.sub("", text)
    if not _AMOUNT.match(cleaned):
        raise ValueError(f"not an amount: {text!r}")
    return to_cents(cleaned.replace(",", "."))


def parse_decimal(text: str) -> Decimal:
    cleaned = _SPACES.sub("", text).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a number: {text!r}")
    return value


def parse_date(text: str) -> date:
    """``YYYY-MM-DD``, ``YYYYMMDD`` or ``DD/MM/YYYY``."""
    text = text.strip()
    for fmt, pattern in (
        ("%Y-%m-%d", r"^\d{4}-\d{2}-\d{2}$"),
        ("%Y%m%d", r"^\d{8}$"),
        ("%d/%m/%Y", r"^\d{2}/\d{2}/\d{4}$"),
    ):
        if re.match(pattern, text):
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
    raise ValueError(f"not a date: {text!r}")


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header as written, and the non-empty rows as (line number, cells)."""
    name = str(path)
    if not path.exists():
        raise InvalidInputError("file_not_found", f"no such file: {name}", file=name)
    if not path.is_file():
        raise InvalidInputError("not_a_file", f"not a file: {name}", file=name)
    if path.stat().st_size == 0:
        raise InvalidInputError("empty_file", "the file is empty (0 bytes)", file=name)
    if path.suffix.lower() in SPREADSHEETS:
        return _read_spreadsheet(path)
    return _read_csv(path)


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_LINE_END = re.compile(r"\r\n|\r|\n")


def _mostly_control(text: str) -> bool:
    """More than one character in a hundred is a control character: not text."""
    sample = text[:200_000]
    return len(_CONTROL.findall(sample)) > max(2, len(sample) // 100)


def is_utf16(raw: bytes) -> bool:
    """UTF-16 text: a byte-order mark, or a zero in nearly every other byte of readable text.

    A binary file has zeros too, but not one in every second byte that decode to text.

    >>> is_utf16("code,name".encode("utf-16")), is_utf16("code,name".encode("utf-16-le"))
    (True, True)
    >>> is_utf16(bytes.fromhex("504b0304140006000800000021") * 20), is_utf16(bytes(64))
    (False, False)
    """
    sample = raw[:4096]
    if sample.startswith(_UTF16_BOMS):
        return not _mostly_control(sample[2 : len(sample) // 2 * 2].decode("utf-16", "replace"))
    sample = sample[: len(sample) // 2 * 2]
    for encoding, high_bytes in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        if len(high_bytes) < 2 or high_bytes.count(0) < 0.9 * len(high_bytes):
            continue
        text = sample.decode(encoding, "replace")
        if not _mostly_control(text):
            return True
    return False


def _decode(raw: bytes, name: str) -> str:
    if is_utf16(raw):
        raise InvalidInputError(
            "bad_encoding", "unsupported encoding (UTF-16): save the file in UTF-8", file=name
        )
    if b"\x00" in raw[:4096]:
        raise InvalidInputError("not_text", _not_text(raw), file=name)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("iso8859_15")
        if any(0x80 <= ord(ch) <= 0x9F for ch in text):
            text = raw.decode("cp1252", errors="replace")
    if _mostly_control(text):
        raise InvalidInputError("not_text", _not_text(raw), file=name)
    return text


def _not_text(raw: bytes) -> str:
    if raw.startswith(b"PK\x03\x04"):
        return "not a text file: a spreadsheet or an archive (an XLSX file keeps its .xlsx name)"
    return "not a text file (binary content)"


def _delimiter(text: str) -> str:
    """The one of ``,`` ``;`` tab ``|`` that cuts the header line into the most fields."""
    first = _LINE_END.split(text, maxsplit=1)[0]
    return max(",;\t|", key=lambda d: _field_count(first, d))


def _field_count(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:  # cut by another delimiter, a field may exceed the csv module's limit
        return 0


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    name = str(path)
    text = _decode(path.read_bytes(), name)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        delimiter = _delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for cells in reader:
            number, line = line, reader.line_num + 1
            if header is None:
                header = [c.strip().lstrip("\ufeff") for c in cells]
                continue
            if any(c.strip() for c in cells):
                rows.append((number, cells))
    except csv.Error as err:
        reason = str(err)
        if "field limit" in reason:
            reason = f"a field longer than {csv.field_size_limit():,} characters"
        raise InvalidInputError(
            "bad_csv", f"unreadable CSV: {reason}", file=name, line=line
        ) from None
    return header or [], rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # spreadsheets hold binary floats: 0.1 + 0.2 is 0.30000000000000004; nine decimals
        # are beyond any amount or rate, and drop the artefact
        return repr(round(value, 9))
    return str(value).strip()


def _read_spreadsheet(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from python_calamine import CalamineWorkbook

    name = str(path)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    except Exception as err:  # the library's own errors: a damaged or foreign file
        raise InvalidInputError(
            "bad_spreadsheet", f"unreadable spreadsheet: {err}", file=name
        ) from None
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(sheet, start=1):
        cells = [_cell(v) for v in raw]
        if header is None:
            if any(cells):
                header = [c.strip() for c in cells]
            continue
        if any(cells):
            rows.append((number, cells))
    return header or [], rows
