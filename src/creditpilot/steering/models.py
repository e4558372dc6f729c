"""What steering keeps: month-end KPI snapshots, report schedules and the reports they sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from creditpilot.companies.models import Company


class KpiSnapshot(models.Model):
    """The KPIs of a month end, for the company or one of its segments or sales reps.

    Taken once and never recomputed: a later import that changes the ledger leaves the
    history as it was seen. ``backfilled`` marks a month end taken after the fact (the
    first import, the demo, a gap of daily runs): its figures are the ledger's as it
    stood when the snapshot was taken, not at the month end.
    """

    class GroupBy(models.TextChoices):
        COMPANY = "company", "company"
        SEGMENT = "segment", "segment"
        SALES_REP = "sales_rep", "sales_rep"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="kpi_snapshots")
    month_end = models.DateField()
    group_by = models.CharField(max_length=10, choices=GroupBy.choices)
    group_key = models.CharField(max_length=100, blank=True)  # "" for the company
    # the KPIs as ``report kpis`` gives them (strings), the buckets in cents
    dso = models.DecimalField(max_digits=8, decimal_places=1, null=True)
    best_possible_dso = models.DecimalField(max_digits=8, decimal_places=1, null=True)
    add = models.DecimalField(max_digits=8, decimal_places=1, null=True)
    cei = models.DecimalField(max_digits=8, decimal_places=1, null=True)
    overdue_ratio = models.DecimalField(max_digits=6, decimal_places=4, null=True)
    total = models.BigIntegerField()
    not_due = models.BigIntegerField()
    d1_30 = models.BigIntegerField()
    d31_60 = models.BigIntegerField()
    d61_90 = models.BigIntegerField()
    over_90 = models.BigIntegerField()
    unapplied = models.BigIntegerField()
    sales_month = models.BigIntegerField()  # cents: the month's sales
    expected_loss = models.BigIntegerField(null=True)  # cents; None without risk scores
    backfilled = models.BooleanField(default=False)
    ledger_version = models.BigIntegerField()
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company_id", "group_by", "group_key", "month_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "month_end", "group_by", "group_key"],
                name="one_kpi_snapshot_per_month_end",
            )
        ]

    def __str__(self) -> str:
        return f"KPIs {self.company_id} {self.month_end} {self.group_by}:{self.group_key}"


class ReportSchedule(models.Model):
    """A report sent by email to chosen users of the company, every week or every month."""

    class Report(models.TextChoices):
        MONTHLY = "monthly", "monthly"
        AGING = "aging", "aging"
        KPIS = "kpis", "kpis"

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "weekly"
        MONTHLY = "monthly", "monthly"

    class Format(models.TextChoices):
        PDF = "pdf", "pdf"
        XLSX = "xlsx", "xlsx"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="report_schedules")
    report = models.CharField(max_length=10, choices=Report.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    format = models.CharField(max_length=5, choices=Format.choices, default=Format.PDF)
    language = models.CharField(max_length=2, default="fr")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="report_schedules")
    active = models.BooleanField(default=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company_id", "pk"]

    def __str__(self) -> str:
        return f"schedule {self.pk} {self.report} {self.frequency}"


class ReportDispatch(models.Model):
    """One sending of a schedule for one period: one row at most, whoever schedules it.

    The unique (schedule, period) row keeps two schedulers from sending a period twice:
    the second insert fails and is ignored.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    schedule = models.ForeignKey(
        ReportSchedule, on_delete=models.CASCADE, related_name="dispatches"
    )
    period_end = models.DateField()  # the last day the report covers
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    scheduled_by = models.CharField(max_length=120, blank=True)
    recipients = models.CharField(max_length=2000, blank=True)  # the addresses it went to
    message = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-period_end", "schedule_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "period_end"], name="one_report_dispatch_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"dispatch {self.schedule_id} {self.period_end} {self.status}"
