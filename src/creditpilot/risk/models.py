"""Risk in the store: each customer's score of a day (the history the pages chart)."""

from __future__ import annotations

from django.db import models

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer


class RiskScore(models.Model):
    """A customer's score at a day: 0-100 (higher is safer), its rating A-E, its probability of
    serious late payment within 12 months, and the drivers that made it (codes and values)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="risk_scores")
    day = models.DateField()
    score = models.PositiveSmallIntegerField()
    rating = models.CharField(max_length=1)
    pd = models.DecimalField(max_digits=5, decimal_places=4)
    drivers = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "day"], name="risk_score_once_a_day")
        ]
        indexes = [models.Index(fields=["company", "day"], name="risk_score_day_idx")]
