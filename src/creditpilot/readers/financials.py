"""Reader of financial statements (CSV or XLSX): one row per customer and fiscal year.

``customer`` (its code) or ``siren``, ``year_end``, then any of the figures of
``core.financials.FIGURES`` (French headers accepted: ``total_bilan``, ``actif_circulant``,
``stocks``, ``disponibilites``, ``capitaux_propres``, ``report_a_nouveau``/``reserves``,
``dettes``, ``dettes_court_terme``, ``chiffre_affaires``, ``resultat_exploitation``,
``ebe``, ``charges_financieres``, ``charges_personnel``, ``valeur_ajoutee``,
``resultat_net``). An empty cell is a figure the statement does not give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from creditpilot.core.errors import InvalidInputError, RowError
from creditpilot.core.financials import FIGURES
from creditpilot.readers.columns import Row, check_width, map_columns
from creditpilot.readers.tabular import parse_amount_cents, parse_date, read_table

REQUIRED = ("year_end",)
OPTIONAL = ("customer", "siren", *FIGURES)
ALIASES = {
    "code": "customer",
    "code_client": "customer",
    "customer_code": "customer",
    "client": "customer",
    "date_cloture": "year_end",
    "cloture": "year_end",
    "exercice": "year_end",
    "total_bilan": "total_assets",
    "total_actif": "total_assets",
    "actif_circulant": "current_assets",
    "stocks": "inventories",
    "disponibilites": "cash",
    "tresorerie": "cash",
    "capitaux_propres": "equity",
    "report_a_nouveau": "retained_earnings",
    "reserves": "retained_earnings",
    "dettes": "total_liabilities",
    "total_dettes": "total_liabilities",
    "dettes_court_terme": "short_term_liabilities",
    "chiffre_affaires": "sales",
    "chiffre_d'affaires": "sales",
    "ca": "sales",
    "resultat_exploitation": "ebit",
    "ebe": "ebitda",
    "charges_financieres": "financial_charges",
    "charges_personnel": "staff_costs",
    "charges_de_personnel": "staff_costs",
    "valeur_ajoutee": "value_added",
    "resultat_net": "net_income",
}


@dataclass(frozen=True)
class StatementRecord:
    line: int
    customer: str  # a code, or empty when the SIREN names the customer
    siren: str
    year_end: date
    figures: dict[str, int | None] = field(default_factory=dict)  # cents


def read_financials(path: Path | str) -> tuple[list[StatementRecord], list[RowError]]:
    path = Path(path)
    name = str(path)
    header, rows = read_table(path)
    if not header:
        raise InvalidInputError.of("no_header", file=name, line=1)
    positions, errors = map_columns(header, REQUIRED, OPTIONAL, ALIASES, name)
    if not errors and "customer" not in positions and "siren" not in positions:
        errors = [RowError.of(name, 1, "customer", "missing_column")]
    if errors:
        return [], errors
    records: list[StatementRecord] = []
    seen: dict[tuple[str, str, date], int] = {}
    for line, cells in rows:
        row = Row(name, line, cells, positions)
        if not check_width(row, len(header)):
            errors.extend(row.errors)
            continue
        record = _record(row)
        if record is not None:
            key = (record.customer, record.siren, record.year_end)
            if key in seen:
                row.error("year_end", "duplicate_year", first_line=seen[key])
            else:
                seen[key] = line
                records.append(record)
        errors.extend(row.errors)
    return records, errors


def _record(row: Row) -> StatementRecord | None:
    customer = row.get("customer")
    siren = "".join(row.get("siren").split())
    if not customer and not siren:
        row.error("customer", "missing_value")
    year_end = None
    try:
        year_end = parse_date(row.get("year_end"))
    except ValueError:
        row.error("year_end", "bad_date", value=row.get("year_end"), format="YYYY-MM-DD")
    figures: dict[str, int | None] = {}
    for name in FIGURES:
        text = row.get(name)
        if not text:
            figures[name] = None
            continue
        try:
            figures[name] = parse_amount_cents(text)
        except ValueError:
            row.error(name, "bad_amount", value=text)
    if row.errors or year_end is None:
        return None
    return StatementRecord(row.line, customer, siren, year_end, figures)
