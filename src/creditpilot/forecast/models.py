"""Kept forecasts: one run per company and day (the daily run's), with each open invoice's
predicted payment date and the run's weekly and monthly cash-in, so that a forecast can be
compared afterwards with what was actually collected."""

from __future__ import annotations

from django.db import models

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document


class ForecastRun(models.Model):
    class Method(models.TextChoices):
        MODEL = "model", "model"
        FALLBACK = "fallback", "fallback"  # too short a history: the customers' own habits

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    day = models.DateField()
    method = models.CharField(max_length=10, choices=Method.choices)
    n_train = models.IntegerField(default=0)
    # the forecast as ``Forecast.as_json`` gives it (the largest customers only): the pages
    # read it as it is
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["company", "day"], name="forecast_run_once_a_day")
        ]


class PredictedPayment(models.Model):
    """An invoice open at the run's day: what is left to pay, and when it is expected (the
    predicted day and its 80 % interval)."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, db_index=False)
    invoice = models.ForeignKey(Document, on_delete=models.CASCADE, db_index=False)
    open_amount = models.BigIntegerField()  # cents, company currency
    low = models.DateField()
    predicted = models.DateField()
    high = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["run", "customer"], name="predicted_run_customer_idx"),
            models.Index(fields=["invoice"], name="predicted_invoice_idx"),
        ]
