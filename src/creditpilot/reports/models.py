"""Cached positions: each customer's aged balance at a date, for a version of the ledger.

The pages (dashboard, customers list at 100,000 customers) read these rows
instead of ageing the ledger on every request. A snapshot is valid while the
company's ``ledger_version`` is the one it was computed for; every rebuild of
the ledger bumps that version, so a page never shows stale amounts.
"""

from __future__ import annotations

from django.db import models

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer


class PositionSnapshot(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="snapshots")
    as_of = models.DateField()
    ledger_version = models.BigIntegerField()
    computed_at = models.DateTimeField(auto_now_add=True)
    # company KPIs at as_of (JSON of ``report kpis`` without the top debtors)
    kpis = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "as_of", "ledger_version"], name="snapshot_unique"
            )
        ]


class CustomerPosition(models.Model):
    """One row per customer of the company and snapshot (zeros included); amounts in cents."""

    snapshot = models.ForeignKey(
        PositionSnapshot, on_delete=models.CASCADE, related_name="positions"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="positions")
    # the customer's fields the lists search, filter and sort on, copied so that a list of
    # 100,000 customers is one indexed table (kept in step by ``sync_customer``)
    code = models.CharField(max_length=64, default="")
    name = models.CharField(max_length=200, default="")
    siren = models.CharField(max_length=9, default="")
    segment = models.CharField(max_length=60, default="")
    sales_rep = models.CharField(max_length=120, default="")
    rating = models.CharField(max_length=8, default="")
    # code, name and SIREN unaccented and case-folded (``core.text.search_key``): the search
    # finds "Guérin" from ``guerin`` on every store
    search = models.CharField(max_length=300, default="")
    credit_limit = models.BigIntegerField(null=True)  # cents; none set: no limit
    # total / credit limit in hundredths of a percent (10000 = the whole limit); null
    # without a positive limit
    limit_usage = models.BigIntegerField(null=True)
    not_due = models.BigIntegerField(default=0)
    d1_30 = models.BigIntegerField(default=0)
    d31_60 = models.BigIntegerField(default=0)
    d61_90 = models.BigIntegerField(default=0)
    over_90 = models.BigIntegerField(default=0)
    unapplied = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    overdue = models.BigIntegerField(default=0)
    # overdue now minus overdue 30 days before (the dashboard's biggest increases)
    overdue_change = models.BigIntegerField(default=0)
    # the oldest bucket holding an amount: 0 none, 1 not due, 2 1-30, 3 31-60, 4 61-90, 5 over 90
    worst = models.SmallIntegerField(default=0)

    @property
    def is_over_limit(self) -> bool:
        return self.credit_limit is not None and self.total > self.credit_limit

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "customer"], name="position_unique")
        ]
        indexes = [
            models.Index(fields=["snapshot", "code"], name="position_code_idx"),
            models.Index(fields=["snapshot", "name"], name="position_name_idx"),
            models.Index(fields=["snapshot", "sales_rep", "code"], name="position_rep_idx"),
            models.Index(fields=["snapshot", "segment", "code"], name="position_segment_idx"),
            models.Index(fields=["snapshot", "total"], name="position_total_idx"),
            models.Index(fields=["snapshot", "overdue"], name="position_overdue_idx"),
            models.Index(fields=["snapshot", "overdue_change"], name="position_change_idx"),
            models.Index(fields=["snapshot", "over_90"], name="position_over_90_idx"),
            models.Index(fields=["snapshot", "limit_usage"], name="position_usage_idx"),
            models.Index(fields=["snapshot", "unapplied"], name="position_unapplied_idx"),
        ]
