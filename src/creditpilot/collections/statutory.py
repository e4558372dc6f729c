"""The statutory late-invoice table of the management report (Code de commerce D441-6, the
table of invoices issued): at the fiscal year end, the invoices issued and not paid, by
days past due — 0 (not yet due, for information), 1–30, 31–60, 61–90, 91 and more, and
the total of 1 day and more — each with the number of invoices, their amount including
VAT still unpaid, and that amount's share of the year's sales including VAT; the invoices
excluded because they are disputed, apart; and the payment terms of reference.

The year's sales are SPEC §3's: the customer side of the entries with a revenue account,
dated in the 12 months ending at the year end.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl
from django.db.models import Sum

from creditpilot.collections.frames import query_frame, sql_day
from creditpilot.collections.models import Dispute
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.money import format_cents
from creditpilot.core.terms_text import describe_terms
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document
from creditpilot.reports.pdf import render_pdf

DOC, ALLOC = Document._meta.db_table, Allocation._meta.db_table
CUSTOMER = Customer._meta.db_table
BRACKETS = ("0", "1_30", "31_60", "61_90", "91_plus")
LATE = BRACKETS[1:]


def open_invoices(company_id: int, as_of: date) -> pl.DataFrame:
    """Invoices dated by ``as_of`` with a non-zero open amount then (their allocations dated
    by ``as_of`` deducted), with their share excluding VAT when their FEC entry gives it."""
    sql = (
        f"SELECT d.id, c.code, d.customer_id, d.number, {sql_day('d.date')}, "
        f"{sql_day('d.due_date')}, d.amount, d.entry_excl_vat, d.entry_total, "
        f"d.amount - COALESCE(s.settled, 0) "
        f"FROM {DOC} d JOIN {CUSTOMER} c ON c.id = d.customer_id "
        f"LEFT JOIN (SELECT invoice_id, SUM(amount) AS settled FROM {ALLOC} "
        f"  WHERE company_id = %s AND date <= %s GROUP BY invoice_id) s ON s.invoice_id = d.id "
        f"WHERE d.company_id = %s AND d.is_active AND d.kind = 'invoice' AND d.date <= %s "
        f"AND d.amount - COALESCE(s.settled, 0) <> 0"
    )
    schema = {
        "id": pl.Int64,
        "customer": pl.Utf8,
        "customer_id": pl.Int64,
        "number": pl.Utf8,
        "date": pl.Date,
        "due_date": pl.Date,
        "amount": pl.Int64,
        "entry_excl_vat": pl.Int64,
        "entry_total": pl.Int64,
        "open": pl.Int64,
    }
    return query_frame(sql, [company_id, as_of, company_id, as_of], schema)


@dataclass(frozen=True)
class Bracket:
    count: int
    amount: int  # cents still unpaid, VAT included


@dataclass(frozen=True)
class LateInvoiceTable:
    year_end: date
    currency: str
    sales: int  # cents, the year's sales VAT included
    brackets: dict[str, Bracket]
    excluded: Bracket  # disputed invoices
    terms: str  # the payment terms of reference, in words

    @property
    def late_total(self) -> Bracket:
        return Bracket(
            sum(self.brackets[b].count for b in LATE), sum(self.brackets[b].amount for b in LATE)
        )

    def share(self, amount: int) -> Decimal:
        """``amount`` as a percentage of the year's sales, two decimals, half up."""
        return (Decimal(amount) * 100 / Decimal(self.sales)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )


def _a_year_before(day: date) -> date:
    """The same day a year earlier (28 February for a 29th).

    >>> _a_year_before(date(2024, 2, 29)), _a_year_before(date(2025, 12, 31))
    (datetime.date(2023, 2, 28), datetime.date(2024, 12, 31))
    """
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _bracket_of(days: int) -> str:
    if days <= 0:
        return "0"
    if days <= 30:
        return "1_30"
    if days <= 60:
        return "31_60"
    if days <= 90:
        return "61_90"
    return "91_plus"


def late_invoice_table(company: Company, year_end: date, language: str = "fr") -> LateInvoiceTable:
    start = _a_year_before(year_end)
    sales = int(
        Document.objects.filter(
            company=company, is_active=True, is_sale=True, date__gt=start, date__lte=year_end
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    if sales <= 0:
        raise InvalidInputError(
            "no_sales",
            f"no sales in the fiscal year ending {year_end.isoformat()}: the table's shares of "
            "the year's sales cannot be computed",
        )
    invoices = open_invoices(company.id, year_end)
    disputed = set(
        Dispute.objects.filter(company=company, opened_on__lte=year_end)
        .exclude(status=Dispute.Status.CLOSED, closed_on__lte=year_end)
        .values_list("item_id", flat=True)
    )
    counts = {b: [0, 0] for b in BRACKETS}
    excluded = [0, 0]
    for row in invoices.iter_rows(named=True):
        if row["open"] <= 0:
            continue
        if row["id"] in disputed:
            excluded[0] += 1
            excluded[1] += row["open"]
            continue
        bracket = counts[_bracket_of((year_end - row["due_date"]).days)]
        bracket[0] += 1
        bracket[1] += row["open"]
    return LateInvoiceTable(
        year_end,
        company.currency,
        sales,
        {b: Bracket(n, cents) for b, (n, cents) in counts.items()},
        Bracket(*excluded),
        describe_terms(company.default_terms, language),
    )


def table_json(table: LateInvoiceTable) -> str:
    def bracket(b: Bracket, with_share: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"count": b.count, "amount": format_cents(b.amount)}
        if with_share:
            out["share_of_sales"] = str(table.share(b.amount))
        return out

    body = {
        "year_end": table.year_end.isoformat(),
        "currency": table.currency,
        "sales": format_cents(table.sales),
        "brackets": {name: bracket(table.brackets[name]) for name in BRACKETS},
        "total_late": bracket(table.late_total),
        "excluded": bracket(table.excluded, with_share=False),
        "reference_terms": table.terms,
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


HEADINGS = (
    "0 jour (indicatif)",
    "1 à 30 jours",
    "31 à 60 jours",
    "61 à 90 jours",
    "91 jours et plus",
    "Total (1 jour et plus)",
)


def table_xlsx(table: LateInvoiceTable) -> bytes:
    """The official layout (Article D441-6, I-2°: invoices issued, not paid at the year end)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "D441-6"
    bold = Font(bold=True)
    sheet.append(
        [
            "Article D. 441-6 I.-2° : Factures émises non réglées à la date de clôture de "
            f"l'exercice dont le terme est échu ({table.year_end.strftime('%d/%m/%Y')})"
        ]
    )
    sheet["A1"].font = bold
    sheet.append(["", *HEADINGS])
    sheet.append(["(A) Tranches de retard de paiement"])
    late = [table.brackets[b] for b in BRACKETS] + [table.late_total]
    sheet.append(["Nombre de factures concernées", *(b.count for b in late)])
    sheet.append(["Montant total des factures concernées (TTC)", *(_euros(b.amount) for b in late)])
    sheet.append(
        [
            "Pourcentage du chiffre d'affaires (TTC) de l'exercice",
            *(table.share(b.amount) for b in late),
        ]
    )
    sheet.append(
        ["(B) Factures exclues du (A) relatives à des créances litigieuses ou non comptabilisées"]
    )
    sheet.append(["Nombre des factures exclues", table.excluded.count])
    sheet.append(["Montant total des factures exclues (TTC)", _euros(table.excluded.amount)])
    sheet.append(["(C) Délais de paiement de référence utilisés (contractuel ou délai légal)"])
    sheet.append(["Délais contractuels", table.terms])
    sheet.column_dimensions["A"].width = 62
    for col in "BCDEFG":
        sheet.column_dimensions[col].width = 18
    for row in sheet.iter_rows(min_row=2, max_row=2):
        for cell in row:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_pdf(table: LateInvoiceTable, company: Company) -> bytes:
    """The same table in the official layout, as a PDF page to put in the management report."""
    late = [table.brackets[b] for b in BRACKETS] + [table.late_total]
    columns = [
        {
            "count": b.count,
            "amount": _french_amount(b.amount),
            "share": f"{str(table.share(b.amount)).replace('.', ',')} %",
        }
        for b in late
    ]
    return render_pdf(
        "collections/d441_6.html",
        {
            "company": company,
            "table": table,
            "headings": HEADINGS,
            "columns": columns,
            "sales": _french_amount(table.sales),
            "excluded_amount": _french_amount(table.excluded.amount),
        },
    )


def _french_amount(cents: int) -> str:
    """Euros the French way: spaces between thousands, a decimal comma.

    >>> _french_amount(123456789), _french_amount(-5)
    ('1 234 567,89', '-0,05')
    """
    whole, decimals = format_cents(cents).split(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{' '.join(groups)},{decimals}"


def _euros(cents: int) -> Decimal:
    return Decimal(format_cents(cents))
