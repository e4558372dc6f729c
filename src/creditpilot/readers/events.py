"""Reader of external events (CSV or XLSX): ``siren,date,kind[,source,note]``.

A BODACC export is read as it comes: ``registre`` (the SIREN, perhaps with spaces or
repeated), ``dateparution`` (the date), and the kind from ``jugement``,
``familleavis_lib`` or ``typeavis_lib`` (the words "sauvegarde", "redressement",
"liquidation"). A kind is one of ``safeguard``, ``receivership``, ``liquidation``,
``payment_incident``, ``rating_change``, ``other`` (French words accepted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from creditpilot.core.errors import InvalidInputError, RowError
from creditpilot.core.text import search_key
from creditpilot.readers.columns import Row, check_width, map_columns
from creditpilot.readers.tabular import parse_date, read_table

REQUIRED = ("siren", "date")
OPTIONAL = ("kind", "source", "note", "judgement", "family")
ALIASES = {
    "registre": "siren",
    "dateparution": "date",
    "date_parution": "date",
    "date_publication": "date",
    "type": "kind",
    "nature": "kind",
    "evenement": "kind",
    "jugement": "judgement",
    "familleavis_lib": "family",
    "typeavis_lib": "family",
    "tribunal": "source",
}
KINDS = ("safeguard", "receivership", "liquidation", "payment_incident", "rating_change", "other")
# words of a published notice, most serious first
WORDS = (
    ("liquidation", "liquidation"),
    ("redressement", "receivership"),
    ("sauvegarde", "safeguard"),
    ("receivership", "receivership"),
    ("safeguard", "safeguard"),
    ("incident", "payment_incident"),
    ("cotation", "rating_change"),
    ("rating", "rating_change"),
)


@dataclass(frozen=True)
class EventRecord:
    line: int
    siren: str
    day: date
    kind: str
    source: str
    note: str


def kind_of(*texts: str) -> str | None:
    """The kind said by the cells, most serious first; None when none says one.

    >>> kind_of("Jugement d'ouverture d'une procédure de redressement judiciaire")
    'receivership'
    >>> kind_of("liquidation"), kind_of("Procédures collectives", "sauvegarde"), kind_of("vente")
    ('liquidation', 'safeguard', None)
    """
    words = search_key(" ".join(texts))
    if words.strip() in KINDS:
        return words.strip()
    for word, kind in WORDS:
        if word in words:
            return kind
    return None


def read_events(path: Path | str) -> tuple[list[EventRecord], list[RowError]]:
    path = Path(path)
    name = str(path)
    header, rows = read_table(path)
    if not header:
        raise InvalidInputError.of("no_header", file=name, line=1)
    positions, errors = map_columns(header, REQUIRED, OPTIONAL, ALIASES, name)
    if errors:
        return [], errors
    records = []
    for line, cells in rows:
        row = Row(name, line, cells, positions)
        if check_width(row, len(header)):
            record = _record(row)
            if record is not None:
                records.append(record)
        errors.extend(row.errors)
    return records, errors


def _record(row: Row) -> EventRecord | None:
    digits = re.findall(r"\d{9}", "".join(row.get("siren").split()))
    siren = digits[0] if digits else ""
    if not siren:
        row.error("siren", "bad_siren", value=row.get("siren"), variant="length")
    raw_day = row.get("date")[:10]
    day = None
    try:
        day = parse_date(raw_day)
    except ValueError:
        row.error("date", "bad_date", value=raw_day, format="YYYY-MM-DD")
    kind = kind_of(row.get("kind"), row.get("judgement"), row.get("family"))
    if kind is None:
        text = row.get("kind") or row.get("judgement") or row.get("family")
        if row.get("kind") or not text:
            row.error("kind", "bad_event_kind", value=text[:60])
        else:
            kind = "other"
    if row.errors or day is None or kind is None:
        return None
    return EventRecord(row.line, siren, day, kind, row.get("source")[:100], row.get("note")[:1000])
