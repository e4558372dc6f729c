"""Why a file or a row is refused: one wording per code, with named parameters.

The readers and the services raise or return errors that carry a stable
``code`` and the values that matter (``params``); the sentence is made here,
from the code and the params, and nowhere else. The wordings are English;
``gettext_noop`` marks them for the French catalogue, and the pages pass
Django's ``gettext`` as ``translate`` to say them in the reader's language.
A code may have variants (``bad_siren`` for a wrong checksum or a wrong
length): the variant is a param, and ``code.variant`` the wording's key.

>>> reason_text("bad_date", {"value": "20261341", "format": "YYYYMMDD"})
"not a date (YYYYMMDD): '20261341'"
>>> reason_text("bad_siren", {"value": "123", "variant": "length"})
"invalid SIREN '123' (9 digits expected)"
>>> reason_text("no_such_code", {}) is None
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks a wording for the French catalogue (``make messages`` finds it by this name)."""
    return message


REASONS: dict[str, str] = {
    # a whole file
    "file_not_found": gettext_noop("no such file: {file}"),
    "not_a_file": gettext_noop("not a file: {file}"),
    "empty_file": gettext_noop("the file is empty (0 bytes)"),
    "no_data": gettext_noop("the file has a header but no data rows"),
    "no_header": gettext_noop("the file has no header line"),
    "not_text": gettext_noop("not a text file (binary content)"),
    "bad_encoding.fec_utf16": gettext_noop(
        "unsupported encoding (UTF-16 or UTF-32): export the FEC in UTF-8 or ISO-8859-15"
    ),
    "bad_encoding.fec_other": gettext_noop(
        "unexpected encoding (neither UTF-8 nor ISO-8859-15): export the FEC in UTF-8 or ISO-8859-15"
    ),
    "bad_encoding": gettext_noop("unsupported encoding (UTF-16): save the file in UTF-8"),
    "missing_columns": gettext_noop("not a FEC: missing columns {columns}"),
    "missing_columns.one": gettext_noop("not a FEC: missing column {columns}"),
    "bad_csv": gettext_noop("unreadable CSV: {detail}"),
    "bad_spreadsheet": gettext_noop("unreadable spreadsheet: {detail}"),
    # a row of any file
    "wrong_field_count": gettext_noop("expected {expected} fields, found {found}"),
    "short_row": gettext_noop("expected {expected} fields, found {found}"),
    "long_row": gettext_noop("expected {expected} fields, found {found}"),
    "missing_column": gettext_noop("missing column '{column}'"),
    "missing_value": gettext_noop("{column} is empty"),
    "bad_date": gettext_noop("not a date ({format}): '{value}'"),
    "bad_amount": gettext_noop("not an amount: '{value}'"),
    "bad_amount.credit_limit": gettext_noop("not a credit limit: '{value}'"),
    "bad_amount.negative_paid": gettext_noop("the paid amount cannot be negative"),
    # a FEC row
    "bad_sens": gettext_noop("Sens must be D or C, found '{value}'"),
    "unbalanced_entry": gettext_noop(
        "entry {entry} of journal {journal} does not balance: debit minus credit is {difference}"
    ),
    "no_customer": gettext_noop(
        "line on customer account {account} has no customer (CompAuxNum is empty)"
    ),
    # a row of a customers list
    "duplicate_code": gettext_noop("customer code '{code}' already on line {first_line}"),
    "duplicate_order": gettext_noop("order '{number}' already on line {first_line}"),
    "bad_siren.checksum": gettext_noop("invalid SIREN '{value}' (checksum)"),
    "bad_siren.length": gettext_noop("invalid SIREN '{value}' (9 digits expected)"),
    "bad_country": gettext_noop("country must be a 2-letter ISO code, found '{value}'"),
    "bad_terms": gettext_noop("unknown payment terms: '{value}'"),
    "bad_vat": gettext_noop("invalid VAT number '{value}'"),
    "bad_email": gettext_noop("invalid email address '{value}'"),
    "bad_language": gettext_noop("unknown language '{value}': fr or en"),
    "duplicate_year": gettext_noop("the same customer and year end already on line {first_line}"),
    "statement_unknown_customer": gettext_noop("no customer with the code or SIREN '{value}'"),
    "bad_event_kind": gettext_noop(
        "unknown kind of event '{value}': safeguard, receivership, liquidation, "
        "payment_incident, rating_change or other"
    ),
    "event_unknown_siren": gettext_noop("no customer with the SIREN '{value}'"),
    "bad_currency": gettext_noop("currency must be a 3-letter code, found '{value}'"),
    # a row of an open-items list
    "duplicate_number": gettext_noop("document '{number}' already on line {first_line}"),
    "zero_amount": gettext_noop("the amount is zero"),
    "due_before_date": gettext_noop("due date {due_date} is before the invoice date {date}"),
    "paid_before_date": gettext_noop("payment date {paid_date} is before the invoice date {date}"),
    "incomplete_payment": gettext_noop("paid_date and paid_amount go together"),
    "overpaid": gettext_noop("paid amount is more than the document's {amount}"),
    "bad_boolean": gettext_noop("{column} must be yes or no, found '{value}'"),
    "bad_rate": gettext_noop("not an exchange rate: '{value}'"),
    "unknown_customer": gettext_noop("unknown customer '{code}'"),
    "missing_rate": gettext_noop("amount in {currency}: give the exchange_rate to {to_currency}"),
    # a FEC that may belong to another company (receivables/guards.py)
    "other_company_siren": gettext_noop(
        "the file name says SIREN {file_siren}, the company's is {company_siren}: "
        "is this the FEC of another company?"
    ),
    "nothing_in_common": gettext_noop(
        "none of the file's customers ({file_customers}) is known and its period, {start} to "
        "{end}, is more than a year away from the ledger's, {ledger_start} to {ledger_end}: "
        "is this the FEC of another company?"
    ),
    # what an import says about the ledger it leaves (receivables)
    "opening_restated": gettext_noop(
        "opening entries of {start} for customer {customer} restate {amount} but the stored "
        "year before leaves {held}"
    ),
    "removed_with_follow_up": gettext_noop(
        "documents gone from the file, removed with their follow-up (dispute, dunning, "
        "promise, case or forecast): {numbers} ({count} in all)"
    ),
    # a dunning template (the line is given apart)
    "template_syntax": gettext_noop("syntax error: {detail}"),
    "template_unknown_variable": gettext_noop("unknown variable '{name}'"),
    "template_unknown_attribute": gettext_noop("unknown attribute '{name}'"),
    "template_cannot_render": gettext_noop("cannot be rendered: {detail}"),
}


def reason_key(code: str, params: Mapping[str, Any]) -> str:
    """The catalogue's key of an error: its code, refined by its variant when it has one."""
    variant = params.get("variant")
    return f"{code}.{variant}" if variant else code


def reason_text(
    code: str,
    params: Mapping[str, Any],
    translate: Callable[[str], str] | None = None,
) -> str | None:
    """The sentence for ``code`` and ``params`` (translated by ``translate``); None when unknown."""
    wording = REASONS.get(reason_key(code, params))
    if wording is None:
        return None
    try:
        return (translate or _same)(wording).format(**params)
    except (KeyError, IndexError, ValueError):
        return None


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Notice:
    """A warning a service leaves with its result: a code and its params, said in the
    reader's language from the catalogue (``as_dict`` is how a batch stores it)."""

    code: str
    params: dict[str, Any]

    @property
    def message(self) -> str:
        return reason_text(self.code, self.params) or self.code

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params, "message": self.message}
