"""Reader of open-item lists (CSV or XLSX): one row per invoice or credit note.

Columns ``customer_code,number,date,due_date,amount,currency`` and optionally
``paid_date,paid_amount,disputed,exchange_rate``. A negative amount is a credit
note; ``paid_amount`` is what was paid against the document by ``paid_date``.
Which customers exist is the caller's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from creditpilot.core.errors import InvalidInputError, RowError
from creditpilot.readers.columns import Row, check_width, map_columns
from creditpilot.readers.tabular import parse_amount_cents, parse_date, parse_decimal, read_table

REQUIRED = ("customer_code", "number", "date", "due_date", "amount", "currency")
OPTIONAL = ("paid_date", "paid_amount", "disputed", "exchange_rate")
ALIASES = {
    "client": "customer_code",
    "code_client": "customer_code",
    "customer": "customer_code",
    "numero": "number",
    "numéro": "number",
    "invoice_number": "number",
    "reference": "number",
    "date_facture": "date",
    "invoice_date": "date",
    "echeance": "due_date",
    "échéance": "due_date",
    "date_echeance": "due_date",
    "date_échéance": "due_date",
    "montant": "amount",
    "devise": "currency",
    "date_paiement": "paid_date",
    "montant_paye": "paid_amount",
    "montant_payé": "paid_amount",
    "litige": "disputed",
    "taux_de_change": "exchange_rate",
}
TRUE = {"1", "true", "yes", "oui", "x", "y", "o", "vrai"}
FALSE = {"", "0", "false", "no", "non", "n", "faux"}


@dataclass(frozen=True)
class InvoiceRecord:
    line: int
    customer_code: str
    number: str
    date: date
    due_date: date
    amount: int
    currency: str
    paid_date: date | None
    paid_amount: int | None
    disputed: bool
    exchange_rate: Decimal | None


def read_invoices(path: Path | str) -> tuple[list[InvoiceRecord], list[RowError]]:
    path = Path(path)
    name = str(path)
    header, rows = read_table(path)
    if not header:
        raise InvalidInputError.of("no_header", file=name, line=1)
    positions, errors = map_columns(header, REQUIRED, OPTIONAL, ALIASES, name)
    if errors:
        return [], errors
    records: list[InvoiceRecord] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells in rows:
        row = Row(name, line, cells, positions)
        if check_width(row, len(header)):
            record = _record(row)
            if record is not None:
                key = (record.customer_code, record.number)
                if key in seen:
                    row.error(
                        "number", "duplicate_number", number=record.number, first_line=seen[key]
                    )
                else:
                    seen[key] = line
                    records.append(record)
        errors.extend(row.errors)
    return records, errors


def _date(row: Row, column: str, required: bool) -> date | None:
    text = row.get(column)
    if not text:
        if required:
            row.error(column, "missing_value")
        return None
    try:
        return parse_date(text)
    except ValueError:
        row.error(column, "bad_date", value=text, format="YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY")
        return None


def _amount(row: Row, column: str, required: bool) -> int | None:
    text = row.get(column)
    if not text:
        if required:
            row.error(column, "missing_value")
        return None
    try:
        return parse_amount_cents(text)
    except ValueError:
        row.error(column, "bad_amount", value=text)
        return None


def _record(row: Row) -> InvoiceRecord | None:
    customer, number = row.get("customer_code"), row.get("number")
    if not customer:
        row.error("customer_code", "missing_value")
    if not number:
        row.error("number", "missing_value")
    day = _date(row, "date", True)
    due = _date(row, "due_date", True)
    amount = _amount(row, "amount", True)
    if amount == 0:
        row.error("amount", "zero_amount")
    currency = row.get("currency").upper() or "EUR"
    if not re.fullmatch(r"[A-Z]{3}", currency):
        row.error("currency", "bad_currency", value=currency)
    if day and due and due < day:
        row.error("due_date", "due_before_date", due_date=due.isoformat(), date=day.isoformat())
    paid_date = _date(row, "paid_date", False)
    paid = _amount(row, "paid_amount", False)
    if paid is not None and paid < 0:
        row.error(
            "paid_amount", "bad_amount", value=row.get("paid_amount"), variant="negative_paid"
        )
    if (paid_date is None) != (paid is None) and not row.errors:
        column = "paid_date" if paid_date is None else "paid_amount"
        row.error(column, "incomplete_payment")
    if day and paid_date and paid_date < day:
        row.error(
            "paid_date", "paid_before_date", paid_date=paid_date.isoformat(), date=day.isoformat()
        )
    if paid and amount and paid > abs(amount):
        row.error("paid_amount", "overpaid", amount=f"{Decimal(abs(amount)).scaleb(-2):.2f}")
    flag = row.get("disputed").lower()
    if flag not in TRUE | FALSE:
        row.error("disputed", "bad_boolean", value=flag)
    rate_text = row.get("exchange_rate")
    rate = None
    if rate_text:
        try:
            rate = parse_decimal(rate_text)
            if rate <= 0:
                raise ValueError
        except ValueError:
            row.error("exchange_rate", "bad_rate", value=rate_text)
    if row.errors or day is None or due is None or amount is None:
        return None
    return InvoiceRecord(
        line=row.line,
        customer_code=customer,
        number=number,
        date=day,
        due_date=due,
        amount=amount,
        currency=currency,
        paid_date=paid_date,
        paid_amount=paid if paid else None,
        disputed=flag in TRUE,
        exchange_rate=rate,
    )
