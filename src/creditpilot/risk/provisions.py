"""Provisions for doubtful debts at a date (SPEC §3), set-based.

Of each open invoice, its amount excluding VAT (its open amount x its share excluding VAT,
read from the invoice's FEC entry) is provisioned at 100 % when the customer is in
collective proceedings (safeguard, receivership, liquidation published by the date) or
in litigation (a case open at the date), at 100 % over 365 days past due, at 50 % over
180 days; rounded half up once per invoice. An invoice whose source gives no VAT (an
invoices file) is taken at its open amount, and says so.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from creditpilot.audit.services import Actor, record
from creditpilot.collections.models import LitigationCase
from creditpilot.collections.statutory import open_invoices
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError
from creditpilot.core.money import format_cents
from creditpilot.risk.events import under_proceedings
from creditpilot.risk.models import ProvisionRun

# (days past due beyond which, percent), the first that applies wins
AGE_RULES = ((365, 100), (180, 50))
PROCEEDINGS_PERCENT = 100


@dataclass(frozen=True)
class ProvisionLine:
    document: int  # the invoice's id in the store
    customer: str
    number: str
    date: date
    due_date: date
    days_past_due: int
    open: int  # cents, VAT included
    open_excl_vat: int  # cents
    vat_known: bool
    percent: int
    provision: int  # cents
    reason: str  # proceedings, over_365, over_180


@dataclass(frozen=True)
class ProvisionReport:
    as_of: date
    currency: str
    items: list[ProvisionLine]

    @property
    def total(self) -> int:
        return sum(line.provision for line in self.items)

    @property
    def total_excl_vat(self) -> int:
        return sum(line.open_excl_vat for line in self.items)


def _half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero, in integers.

    >>> _half_up(5, 2), _half_up(-5, 2), _half_up(4, 3), _half_up(0, 7)
    (3, -3, 1, 0)
    """
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    return sign * ((2 * abs(numerator) + abs(denominator)) // (2 * abs(denominator)))


def in_litigation(company: Company, as_of: date) -> set[int]:
    """Customers with a litigation case open at ``as_of``."""
    return set(
        LitigationCase.objects.filter(company=company, opened_on__lte=as_of)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=as_of))
        .values_list("customer_id", flat=True)
    )


def written_off(company: Company, since: date | None, until: date) -> dict[int, LitigationCase]:
    """The invoices of the cases closed written off in (``since``, ``until``], by id."""
    cases = LitigationCase.objects.filter(
        company=company, outcome=LitigationCase.Outcome.WRITTEN_OFF, closed_on__lte=until
    )
    if since is not None:
        cases = cases.filter(closed_on__gt=since)
    return {item.pk: case for case in cases.prefetch_related("items") for item in case.items.all()}


def provisions(company: Company, as_of: date) -> ProvisionReport:
    """What to provision at ``as_of``; an invoice written off by then is a loss, no longer
    a doubtful debt, and leaves the list."""
    lost = list(written_off(company, None, as_of))
    invoices = (
        open_invoices(company.id, as_of)
        .filter(~pl.col("id").is_in(lost))
        .with_columns((pl.lit(as_of) - pl.col("due_date")).dt.total_days().alias("days"))
    )
    proceedings = under_proceedings(company, as_of)
    litigation = in_litigation(company, as_of)
    oldest = AGE_RULES[-1][0]
    invoices = invoices.filter(
        (pl.col("days") > oldest) | pl.col("customer_id").is_in(list(proceedings | litigation))
    ).sort("customer", "due_date", "number", "id")
    items = []
    for row in invoices.iter_rows(named=True):
        if row["customer_id"] in proceedings:
            percent, reason = PROCEEDINGS_PERCENT, "proceedings"
        elif row["customer_id"] in litigation:
            percent, reason = PROCEEDINGS_PERCENT, "litigation"
        else:
            percent, reason = next((p, f"over_{d}") for d, p in AGE_RULES if row["days"] > d)
        open_, excl, total = row["open"], row["entry_excl_vat"], row["entry_total"]
        known = excl is not None and bool(total)
        # the open amount x the entry's revenue / its customer lines, rounded once
        base_num, base_den = (open_ * excl, total) if known else (open_, 1)
        items.append(
            ProvisionLine(
                document=row["id"],
                customer=row["customer"],
                number=row["number"],
                date=row["date"],
                due_date=row["due_date"],
                days_past_due=row["days"],
                open=open_,
                open_excl_vat=_half_up(base_num, base_den),
                vat_known=known,
                percent=percent,
                provision=_half_up(base_num * percent, base_den * 100),
                reason=reason,
            )
        )
    return ProvisionReport(as_of, company.currency, items)


def provisions_json(report: ProvisionReport) -> str:
    body: dict[str, Any] = {
        "as_of": report.as_of.isoformat(),
        "currency": report.currency,
        "total_open_excl_vat": format_cents(report.total_excl_vat),
        "total_provision": format_cents(report.total),
        "items": [
            {
                "customer": line.customer,
                "number": line.number,
                "date": line.date.isoformat(),
                "due_date": line.due_date.isoformat(),
                "days_past_due": line.days_past_due,
                "open": format_cents(line.open),
                "open_excl_vat": format_cents(line.open_excl_vat),
                "vat_known": line.vat_known,
                "rate": str(line.percent),
                "provision": format_cents(line.provision),
                "reason": line.reason,
            }
            for line in report.items
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


COLUMNS = (
    "customer", "number", "date", "due_date", "days_past_due", "open", "open_excl_vat",
    "vat_known", "rate", "provision", "reason",
)  # fmt: skip


def _rows(report: ProvisionReport) -> list[list[object]]:
    return [
        [
            line.customer, line.number, line.date.isoformat(), line.due_date.isoformat(),
            line.days_past_due, format_cents(line.open), format_cents(line.open_excl_vat),
            "yes" if line.vat_known else "no", line.percent, format_cents(line.provision),
            line.reason,
        ]
        for line in report.items
    ]  # fmt: skip


def provisions_csv(report: ProvisionReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_rows(report))
    return out.getvalue()


def provisions_xlsx(report: ProvisionReport) -> bytes:
    from decimal import Decimal

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "provisions"
    sheet.append([f"as of {report.as_of.isoformat()}", report.currency])
    sheet.append(list(COLUMNS))
    for row in _rows(report):
        sheet.append([Decimal(v) if i in (5, 6, 9) else v for i, v in enumerate(row)])  # type: ignore[arg-type]
    sheet.append([])
    sheet.append(["total", "", "", "", "", "", Decimal(format_cents(report.total_excl_vat)),
                  "", "", Decimal(format_cents(report.total))])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the month end: proposed, approved, exported -----------------------------------------


def is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _line_json(line: ProvisionLine) -> dict[str, Any]:
    return {
        "document": line.document,
        "customer": line.customer,
        "number": line.number,
        "due_date": line.due_date.isoformat(),
        "days_past_due": line.days_past_due,
        "open": line.open,
        "open_excl_vat": line.open_excl_vat,
        "percent": line.percent,
        "provision": line.provision,
        "reason": line.reason,
    }


@transaction.atomic
def do_propose_provisions(company: Company, month_end: date) -> ProvisionRun:
    """The month end's provisions as the ledger gives them now; an approved month stays."""
    run, _ = ProvisionRun.objects.select_for_update().get_or_create(
        company=company, month_end=month_end
    )
    if run.status == ProvisionRun.Status.APPROVED:
        return run
    report = provisions(company, month_end)
    run.lines = [_line_json(line) for line in report.items]
    run.total = report.total
    run.writeoffs = month_write_offs(company, month_end)
    run.save()
    return run


def month_write_offs(company: Company, month_end: date) -> list[dict[str, Any]]:
    """The invoices written off in the month to ``month_end`` (cases closed written off),
    each at its open amount on the day of the write-off, split into its amount excluding VAT
    and the VAT to regularise (a definitive bad debt gives the VAT collected back)."""
    month_start = month_end.replace(day=1)
    lost = written_off(company, month_start - timedelta(days=1), month_end)
    lines = []
    for day in sorted({case.closed_on for case in lost.values() if case.closed_on}):
        ids = [pk for pk, case in lost.items() if case.closed_on == day]
        for row in (
            open_invoices(company.id, day).filter(pl.col("id").is_in(ids)).iter_rows(named=True)
        ):
            open_, excl, total = row["open"], row["entry_excl_vat"], row["entry_total"]
            known = excl is not None and bool(total)
            excl_vat = _half_up(open_ * excl, total) if known else open_
            lines.append(
                {
                    "document": row["id"],
                    "customer": row["customer"],
                    "number": row["number"],
                    "due_date": row["due_date"].isoformat(),
                    "case": lost[row["id"]].pk,
                    "day": day.isoformat(),
                    "open": open_,
                    "open_excl_vat": excl_vat,
                    "vat": open_ - excl_vat,
                    "vat_known": known,
                }
            )
    return sorted(lines, key=lambda line: (line["day"], line["customer"], line["number"]))


@transaction.atomic
def do_approve_provisions(company: Company, month_end: date, actor: Actor) -> ProvisionRun:
    run = (
        ProvisionRun.objects.select_for_update()
        .filter(company=company, month_end=month_end)
        .first()
    )
    if run is None:
        raise NotFoundError(
            "provisions_not_found", f"no provisions proposed for {month_end.isoformat()}"
        )
    if run.status == ProvisionRun.Status.APPROVED:
        raise InvalidInputError("provisions_approved", "these provisions are already approved")
    run.status = ProvisionRun.Status.APPROVED
    run.approved_by, run.approved_at = actor.username, timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at"])
    record(
        "provisions_approved",
        company_id=company.pk,
        actor=actor,
        object_type="provisions",
        object_ref=month_end.isoformat(),
        after={"invoices": len(run.lines), "total": format_cents(run.total)},
    )
    return run
