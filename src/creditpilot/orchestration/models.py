"""What orchestration keeps in the store: each company's daily runs and the live workers."""

from __future__ import annotations

from django.db import models

from creditpilot.companies.models import Company


class DailyRun(models.Model):
    """A company's daily run for one day: one row at most, whoever schedules it.

    The unique (company, day) row is what keeps two schedulers (two servers) from
    running a company's day twice: the second insert fails and is ignored.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="daily_runs")
    day = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)  # the queued job (django-tasks id)
    scheduled_by = models.CharField(max_length=120, blank=True)  # host:pid, or "command line"
    summary = models.CharField(max_length=1000, blank=True)
    message = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-day", "company_id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "day"], name="one_daily_run_per_day")
        ]

    def __str__(self) -> str:
        return f"daily run {self.company_id} {self.day} {self.status}"


class WorkerBeat(models.Model):
    """A running worker and the last time it said it was alive (its lease)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"worker {self.worker_id} {self.host}:{self.pid}"
