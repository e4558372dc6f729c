"""Reader of the order book (CSV or XLSX): ``customer_code,number,date,amount``, the orders
taken and not yet invoiced (the amount still to invoice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from creditpilot.core.errors import InvalidInputError, RowError
from creditpilot.readers.columns import Row, check_width, map_columns
from creditpilot.readers.tabular import parse_amount_cents, parse_date, read_table

REQUIRED = ("customer_code", "number", "date", "amount")
ALIASES = {
    "code_client": "customer_code",
    "client": "customer_code",
    "customer": "customer_code",
    "numero": "number",
    "commande": "number",
    "order": "number",
    "montant": "amount",
    "reste_a_facturer": "amount",
}


@dataclass(frozen=True)
class OrderRecord:
    line: int
    customer: str
    number: str
    date: date
    amount: int  # cents


def read_orders(path: Path | str) -> tuple[list[OrderRecord], list[RowError]]:
    path = Path(path)
    name = str(path)
    header, rows = read_table(path)
    if not header:
        raise InvalidInputError.of("no_header", file=name, line=1)
    positions, errors = map_columns(header, REQUIRED, (), ALIASES, name)
    if errors:
        return [], errors
    records: list[OrderRecord] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        row = Row(name, line, cells, positions)
        if not check_width(row, len(header)):
            errors.extend(row.errors)
            continue
        record = _record(row)
        if record is not None and record.number in seen:
            row.error(
                "number", "duplicate_order", number=record.number, first_line=seen[record.number]
            )
        elif record is not None:
            seen[record.number] = line
            records.append(record)
        errors.extend(row.errors)
    return records, errors


def _record(row: Row) -> OrderRecord | None:
    for column in ("customer_code", "number"):
        if not row.get(column):
            row.error(column, "missing_value")
    day = None
    try:
        day = parse_date(row.get("date"))
    except ValueError:
        row.error("date", "bad_date", value=row.get("date"), format="YYYY-MM-DD")
    amount = 0
    try:
        amount = parse_amount_cents(row.get("amount"))
        if amount < 0:
            raise ValueError
    except ValueError:
        row.error("amount", "bad_amount", value=row.get("amount"))
    if row.errors or day is None:
        return None
    return OrderRecord(row.line, row.get("customer_code"), row.get("number"), day, amount)
