"""Is this FEC the company's own? Checks made before a FEC goes into a company's ledger.

A FEC is named ``SIRENFECAAAAMMJJ`` (article A47 A-1 of the LPF): the SIREN of
the company that kept the books, then the closing date of the fiscal year.
A file is refused, unless the user confirms (``force``), when

- its name carries a SIREN other than the company's (when the company's is known), or
- the ledger already holds entries and the file shares nothing with it: none of
  its customers is known, and its period is more than a year away from the
  ledger's (a new month or year of the company's own books is never that far).

Confirmed, the same findings become warnings stored with the import. Each one
is a code and its params, so that it reads in the user's language.

>>> fec_name("123456789FEC20251231.txt")
FecName(siren='123456789', closing=datetime.date(2025, 12, 31))
>>> fec_name("export.txt") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from django.db.models import Max, Min

from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.reasons import Notice
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document

_FEC_NAME = re.compile(r"^(\d{9})FEC(\d{8})", re.IGNORECASE)
_NEAR = timedelta(days=366)


@dataclass(frozen=True)
class FecName:
    siren: str
    closing: date | None


@dataclass(frozen=True)
class Finding(Notice):
    """A reason to believe the file is another company's: a code and its params."""


class ForeignFecError(InvalidInputError):
    """The FEC looks like another company's: refused unless the user confirms."""

    code = "foreign_fec"

    def __init__(self, file: str, findings: list[Finding]) -> None:
        self.findings = findings
        first = findings[0]
        super().__init__(first.code, first.message, file=file, **first.params)


def fec_name(file_name: str) -> FecName | None:
    """The SIREN and closing date a FEC's file name carries, when it follows the rule."""
    found = _FEC_NAME.match(file_name)
    if found is None:
        return None
    try:
        closing: date | None = date(int(found[2][:4]), int(found[2][4:6]), int(found[2][6:]))
    except ValueError:
        closing = None
    return FecName(found[1], closing)


def check_fec_is_the_companys(
    company: Company,
    file: str,
    lines: pl.DataFrame,
    start: date | None,
    end: date | None,
    *,
    force: bool = False,
    file_name: str | None = None,
    shares_entries: bool = False,
) -> list[Finding]:
    """The findings against ``file``; raise ``ForeignFecError`` on any unless ``force``.

    ``file_name`` is the name the user gave the file, when it is stored under another;
    ``shares_entries``: the file holds entries the store's last import of its period read
    byte for byte (the next day's export), so it is the ledger's, whatever its lines.
    """
    named = fec_name(Path(file_name or file).name)
    ledger = [] if shares_entries else _ledger_findings(company, lines, start, end)
    findings = [*_siren_findings(company, named), *ledger]
    if findings and not force:
        raise ForeignFecError(file, findings)
    return findings


def _siren_findings(company: Company, named: FecName | None) -> list[Finding]:
    own = (company.siren or "").replace(" ", "")
    if named is None or not own or named.siren == own:
        return []
    return [Finding("other_company_siren", {"file_siren": named.siren, "company_siren": own})]


def _ledger_findings(
    company: Company, lines: pl.DataFrame, start: date | None, end: date | None
) -> list[Finding]:
    if start is None or end is None or lines.height == 0:
        return []
    span = Document.objects.filter(company=company).aggregate(a=Min("date"), b=Max("date"))
    first, last = span["a"], span["b"]
    if first is None or last is None:
        return []  # an empty ledger: any first FEC is welcome
    if start <= last + _NEAR and end >= first - _NEAR:
        return []  # the periods are close: the company's next month or year, or an earlier one
    codes = set(lines["customer_code"].unique().to_list())
    known = Customer.objects.filter(company=company).values_list("code", flat=True)
    if not codes.isdisjoint(known.iterator()):
        return []
    return [
        Finding(
            "nothing_in_common",
            {
                "file_customers": len(codes),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "ledger_start": first.isoformat(),
                "ledger_end": last.isoformat(),
            },
        )
    ]
