"""Payment terms and due dates (SPEC C4, §3), with the French legal caps.

Codes: ``RECEIPT`` (on receipt), ``PREPAID`` (prepayment), ``NET30`` (invoice
date + 30 days), ``EOM45`` (45 days end of month: the last day of the month of
invoice date + 45 days), ``45EOM`` (end of month + 45 days), ``EOM`` (end of
month), with an optional early-payment discount ``/2%10`` (2 % if paid within
10 days).

>>> from datetime import date
>>> d = date(2026, 1, 20)
>>> due_date(d, parse_terms("NET30")), due_date(d, parse_terms("EOM45")), due_date(d, parse_terms("45EOM"))
(datetime.date(2026, 2, 19), datetime.date(2026, 3, 31), datetime.date(2026, 3, 17))
>>> parse_terms("45 jours fin de mois").code, parse_terms("30 jours").code, parse_terms("comptant").code
('EOM45', 'NET30', 'RECEIPT')
>>> parse_terms("NET75").exceeds_legal_cap, parse_terms("EOM45").exceeds_legal_cap
(True, False)
>>> parse_terms("NET30/2%10").discount_percent
Decimal('2')
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum

from creditpilot.core.calendar import BusinessCalendar
from creditpilot.core.errors import InvalidInputError

LEGAL_CAP_DAYS = 60  # Code de commerce L441-10 / L441-11: 60 days from the invoice date...
LEGAL_CAP_EOM_DAYS = 45  # ...or 45 days end of month


class TermsKind(str, Enum):  # noqa: UP042 (str() of a member is relied upon as it is)
    RECEIPT = "RECEIPT"
    PREPAID = "PREPAID"
    NET = "NET"
    EOM_AFTER = "EOM_AFTER"  # N days, then end of month ("EOM45")
    AFTER_EOM = "AFTER_EOM"  # end of month, then N days ("45EOM")


def end_of_month(day: date) -> date:
    return day.replace(day=_calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Terms:
    kind: TermsKind
    days: int = 0
    discount_percent: Decimal | None = None
    discount_days: int | None = None

    @property
    def code(self) -> str:
        base = {
            TermsKind.RECEIPT: "RECEIPT",
            TermsKind.PREPAID: "PREPAID",
            TermsKind.NET: f"NET{self.days}",
            TermsKind.EOM_AFTER: f"EOM{self.days}" if self.days else "EOM",
            TermsKind.AFTER_EOM: f"{self.days}EOM" if self.days else "EOM",
        }[self.kind]
        if self.discount_percent is not None:
            base += f"/{self.discount_percent.normalize()}%{self.discount_days}"
        return base

    def due_date(self, invoice_date: date) -> date:
        if self.kind in (TermsKind.RECEIPT, TermsKind.PREPAID):
            return invoice_date
        if self.kind is TermsKind.NET:
            return invoice_date + timedelta(days=self.days)
        if self.kind is TermsKind.EOM_AFTER:
            return end_of_month(invoice_date + timedelta(days=self.days))
        return end_of_month(invoice_date) + timedelta(days=self.days)

    @property
    def exceeds_legal_cap(self) -> bool:
        """Terms longer than L441-10 allows: 60 days net, or 45 days end of month."""
        if self.kind is TermsKind.NET:
            return self.days > LEGAL_CAP_DAYS
        if self.kind in (TermsKind.EOM_AFTER, TermsKind.AFTER_EOM):
            return self.days > LEGAL_CAP_EOM_DAYS
        return False

    @property
    def longest_days(self) -> int:
        """The longest credit these terms give: days from an invoice to its due date, at worst.

        >>> parse_terms("NET45").longest_days, parse_terms("EOM45").longest_days
        (45, 75)
        >>> parse_terms("45EOM").longest_days, parse_terms("RECEIPT").longest_days
        (75, 0)
        """
        if self.kind is TermsKind.NET:
            return self.days
        if self.kind in (TermsKind.RECEIPT, TermsKind.PREPAID):
            return 0
        start = date(2026, 1, 1)  # any year: end-of-month terms are longest from a 1st
        return max(
            (self.due_date(start + timedelta(days=n)) - (start + timedelta(days=n))).days
            for n in range(365)
        )

    def discount_deadline(self, invoice_date: date) -> date | None:
        if self.discount_days is None:
            return None
        return invoice_date + timedelta(days=self.discount_days)


DEFAULT_TERMS_CODE = "NET30"

_DISCOUNT = re.compile(r"^(?P<base>.*?)\s*/\s*(?P<pct>\d+(?:[.,]\d+)?)\s*%\s*(?P<days>\d+)$")
_PATTERNS: list[tuple[re.Pattern[str], TermsKind]] = [
    # the codes themselves first
    (re.compile(r"^NET ?(?P<d>\d+)$"), TermsKind.NET),
    (re.compile(r"^EOM ?(?P<d>\d+)$"), TermsKind.EOM_AFTER),
    (re.compile(r"^(?P<d>\d+) ?EOM$"), TermsKind.AFTER_EOM),
    # then the usual wordings
    (
        re.compile(
            r"^(RECEIPT|ON RECEIPT|IMMEDIATE|COMPTANT|A RECEPTION|À RÉCEPTION|À RECEPTION|NET ?0)$"
        ),
        TermsKind.RECEIPT,
    ),
    (
        re.compile(r"^(PREPAID|PREPAYMENT|ADVANCE|ACOMPTE|PAIEMENT D'AVANCE|AVANCE)$"),
        TermsKind.PREPAID,
    ),
    (
        re.compile(r"^(?P<d>\d+) ?(?:J|JOURS|DAYS|D)(?: NETS?| NET| DATE DE FACTURE)?$"),
        TermsKind.NET,
    ),
    (
        re.compile(r"^(?P<d>\d+) ?(?:J|JOURS|DAYS|D) ?(?:FDM|FIN DE MOIS|END OF MONTH)$"),
        TermsKind.EOM_AFTER,
    ),
    (
        re.compile(
            r"^(?:FDM|FIN DE MOIS|END OF MONTH) ?(?:\+|PLUS)? ?(?P<d>\d+) ?(?:J|JOURS|DAYS|D)?$"
        ),
        TermsKind.AFTER_EOM,
    ),
    (re.compile(r"^(?:EOM|FDM|FIN DE MOIS|END OF MONTH)$"), TermsKind.EOM_AFTER),
]


def parse_terms(text: str) -> Terms:
    """Read a terms code or a common French or English wording of it."""
    raw = " ".join(text.strip().upper().replace("_", " ").replace("-", " ").split())
    discount_percent: Decimal | None = None
    discount_days: int | None = None
    match = _DISCOUNT.match(raw)
    if match:
        raw = match["base"].strip()
        discount_percent = Decimal(match["pct"].replace(",", "."))
        discount_days = int(match["days"])
    for pattern, kind in _PATTERNS:
        m = pattern.match(raw)
        if not m:
            continue
        days = int(m.groupdict().get("d") or 0)
        if days > 365:
            break
        return Terms(kind, days, discount_percent, discount_days)
    raise InvalidInputError("bad_terms", f"unknown payment terms: {text!r}", value=text)


def is_valid_terms(text: str) -> bool:
    try:
        parse_terms(text)
    except InvalidInputError:
        return False
    return True


def due_date(invoice_date: date, terms: Terms, calendar: BusinessCalendar | None = None) -> date:
    """Due date of an invoice; moved to the next business day when a calendar is given."""
    due = terms.due_date(invoice_date)
    return calendar.next_business_day(due) if calendar is not None else due


def is_beyond_legal_cap(invoice_date: date, due: date) -> bool:
    """True when a due date is later than both caps of L441-10 allow."""
    cap = max(
        invoice_date + timedelta(days=LEGAL_CAP_DAYS),
        end_of_month(invoice_date + timedelta(days=LEGAL_CAP_EOM_DAYS)),
        end_of_month(invoice_date) + timedelta(days=LEGAL_CAP_EOM_DAYS),
    )
    return due > cap
