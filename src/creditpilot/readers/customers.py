"""Reader of customer lists (CSV or XLSX): ``code,name,siren,country,segment,payment_terms``
and optionally ``vat,sales_rep,email,credit_limit,currency,terms_from,address,phone,language``.

``address`` is the postal address of its letters (lines split by new lines, `` / `` or
``;``), ``language`` that of its messages (``fr`` or ``en``); an empty cell or a missing
column leaves the customer's as they were.

A SIREN may be empty (a foreign customer) and is checked when given.
``terms_from`` is the date from which the row's terms apply (SPEC §3 "Due date"):
empty, a customer's first terms apply from the start and a change from the day
of the import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren

from creditpilot.core.errors import InvalidInputError, RowError
from creditpilot.core.terms import parse_terms
from creditpilot.readers.columns import Row, check_width, map_columns
from creditpilot.readers.tabular import parse_amount_cents, parse_date, read_table

REQUIRED = ("code", "name", "siren", "country", "segment", "payment_terms")
OPTIONAL = (
    "vat",
    "sales_rep",
    "email",
    "credit_limit",
    "currency",
    "terms_from",
    "address",
    "phone",
    "language",
)
ALIASES = {
    "code_client": "code",
    "compte": "code",
    "customer_code": "code",
    "nom": "name",
    "raison_sociale": "name",
    "pays": "country",
    "conditions_paiement": "payment_terms",
    "conditions_de_paiement": "payment_terms",
    "conditions": "payment_terms",
    "terms": "payment_terms",
    "commercial": "sales_rep",
    "plafond": "credit_limit",
    "encours_max": "credit_limit",
    "devise": "currency",
    "tva": "vat",
    "vat_number": "vat",
    "segment_client": "segment",
    "conditions_depuis": "terms_from",
    "date_conditions": "terms_from",
    "adresse": "address",
    "adresse_postale": "address",
    "telephone": "phone",
    "téléphone": "phone",
    "tel": "phone",
    "langue": "language",
}
LANGUAGES = {
    "fr": "fr",
    "francais": "fr",
    "français": "fr",
    "en": "en",
    "anglais": "en",
    "english": "en",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class CustomerRecord:
    line: int
    code: str
    name: str
    siren: str | None
    country: str
    segment: str
    payment_terms: str | None
    vat: str | None
    sales_rep: str
    email: str
    credit_limit: int | None
    currency: str
    terms_from: date | None = None
    address: str | None = None  # None: not given, the customer's stays
    phone: str | None = None
    language: str | None = None


def read_customers(path: Path | str) -> tuple[list[CustomerRecord], list[RowError]]:
    path = Path(path)
    name = str(path)
    header, rows = read_table(path)
    if not header:
        raise InvalidInputError.of("no_header", file=name, line=1)
    positions, errors = map_columns(header, REQUIRED, OPTIONAL, ALIASES, name)
    if errors:
        return [], errors
    records: list[CustomerRecord] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        row = Row(name, line, cells, positions)
        if check_width(row, len(header)):
            record = _record(row)
            if record is not None and record.code in seen:
                row.error("code", "duplicate_code", code=record.code, first_line=seen[record.code])
            elif record is not None:
                seen[record.code] = line
                records.append(record)
        errors.extend(row.errors)
    return records, errors


def _record(row: Row) -> CustomerRecord | None:
    code, name = row.get("code"), row.get("name")
    if not code:
        row.error("code", "missing_value")
    if not name:
        row.error("name", "missing_value")
    siren = _siren(row)
    country = (row.get("country") or "FR").upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        row.error("country", "bad_country", value=country)
    terms_text = row.get("payment_terms")
    terms = None
    if terms_text:
        try:
            terms = parse_terms(terms_text).code
        except InvalidInputError:
            row.error("payment_terms", "bad_terms", value=terms_text)
    vat = row.get("vat").replace(" ", "").upper() or None
    if vat is not None:
        try:
            vat = eu_vat.validate(vat)
        except stdnum_errors.ValidationError:
            row.error("vat", "bad_vat", value=vat)
    email = row.get("email")
    if email and not _EMAIL.match(email):
        row.error("email", "bad_email", value=email)
    limit_text = row.get("credit_limit")
    credit_limit = None
    if limit_text:
        try:
            credit_limit = parse_amount_cents(limit_text)
            if credit_limit < 0:
                raise ValueError
        except ValueError:
            row.error("credit_limit", "bad_amount", value=limit_text, variant="credit_limit")
    currency = (row.get("currency") or "EUR").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        row.error("currency", "bad_currency", value=currency)
    terms_from = _terms_from(row)
    language_text = row.get("language").strip().lower()
    language = LANGUAGES.get(language_text) if language_text else None
    if language_text and language is None:
        row.error("language", "bad_language", value=language_text)
    address = re.sub(r"\s*(?:\n| / |;)\s*", "\n", row.get("address").strip()) or None
    if row.errors:
        return None
    return CustomerRecord(
        line=row.line,
        code=code,
        name=name,
        siren=siren,
        country=country,
        segment=row.get("segment"),
        payment_terms=terms,
        vat=vat,
        sales_rep=row.get("sales_rep"),
        email=email,
        credit_limit=credit_limit,
        currency=currency,
        terms_from=terms_from,
        address=address[:500] if address else None,
        phone=row.get("phone").strip()[:40] or None,
        language=language,
    )


def _siren(row: Row) -> str | None:
    siren = row.get("siren").replace(" ", "").replace(".", "") or None
    if siren is not None:
        try:
            siren = fr_siren.validate(siren)
        except stdnum_errors.InvalidChecksum:
            row.error("siren", "bad_siren", value=siren, variant="checksum")
        except stdnum_errors.ValidationError:
            row.error("siren", "bad_siren", value=siren, variant="length")
    return siren


def _terms_from(row: Row) -> date | None:
    text = row.get("terms_from")
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        row.error("terms_from", "bad_date", value=text, format="YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY")
        return None
