"""Receivables KPIs from the store: DSO (count-back), best possible DSO, ADD, overdue ratio, CEI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum

from creditpilot.companies.models import Company
from creditpilot.core import kpis
from creditpilot.core.aging import Buckets
from creditpilot.core.money import format_cents
from creditpilot.receivables.models import Document
from creditpilot.reports.aging import aged_totals, aging_report


def monthly_sales(company: Company, as_of: date) -> dict[tuple[int, int], int]:
    """Sales of each month up to ``as_of``: receivable side of entries with a revenue account.

    Summed by day in SQL (a few hundred rows), then by month here: the same on every engine.
    """
    rows = (
        Document.objects.filter(company=company, is_active=True, is_sale=True, date__lte=as_of)
        .values_list("date")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    sales: dict[tuple[int, int], int] = {}
    for day, total in rows:
        sales[(day.year, day.month)] = sales.get((day.year, day.month), 0) + int(total)
    return sales


@dataclass
class KpiReport:
    company: Company
    as_of: date
    aged: Buckets
    sales: dict[tuple[int, int], int]
    opening: Buckets
    top_debtors: list[tuple[str, str, int]]

    def as_json(self) -> dict[str, object]:
        days = kpis.dso_figures(
            {"total": self.aged.total, "not_due": self.aged.cents["not_due"]},
            self.sales,
            self.as_of,
        )
        month = (self.as_of.year, self.as_of.month)
        month_sales = self.sales.get(month, 0)
        cei = kpis.cei(self.opening.total, month_sales, self.aged.total, self.aged.cents["not_due"])
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.company.currency,
            "dso": kpis.format_days(days.dso),
            "best_possible_dso": kpis.format_days(days.best_possible),
            "add": kpis.format_days(days.add),
            "overdue_ratio": kpis.format_ratio(kpis.overdue_ratio(self.aged.cents)),
            "cei": kpis.format_ratio(cei, "0.1"),
            "cei_period": {
                "from": self.as_of.replace(day=1).isoformat(),
                "to": self.as_of.isoformat(),
            },
            "total": format_cents(self.aged.total),
            "not_due": format_cents(self.aged.cents["not_due"]),
            "overdue": format_cents(self.aged.overdue),
            "unapplied": format_cents(self.aged.cents["unapplied"]),
            "sales_month_to_date": format_cents(month_sales),
            "sales_12_months": format_cents(kpis.sales_of_last_months(self.sales, self.as_of)),
            "top_debtors": [
                {"code": code, "name": name, "total": format_cents(total)}
                for code, name, total in self.top_debtors
            ],
        }


def kpi_report(company: Company, as_of: date) -> KpiReport:
    aging = aging_report(company, as_of)
    opening = aged_totals(company, as_of.replace(day=1) - timedelta(days=1))
    top = sorted(aging.customers, key=lambda c: (-c.buckets.total, c.code))[:10]
    return KpiReport(
        company,
        as_of,
        aging.total,
        monthly_sales(company, as_of),
        opening,
        [(c.code, c.name, c.buckets.total) for c in top if c.buckets.total > 0],
    )
