"""Risk in the store: each customer's score of a day (the history the pages chart)."""

from __future__ import annotations

from datetime import date

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


class FinancialStatement(models.Model):
    """A customer's figures for one fiscal year, in cents (empty: not given)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="financial_statements"
    )
    year_end = models.DateField()
    total_assets = models.BigIntegerField(null=True, blank=True)
    current_assets = models.BigIntegerField(null=True, blank=True)
    inventories = models.BigIntegerField(null=True, blank=True)
    cash = models.BigIntegerField(null=True, blank=True)
    equity = models.BigIntegerField(null=True, blank=True)
    retained_earnings = models.BigIntegerField(null=True, blank=True)
    total_liabilities = models.BigIntegerField(null=True, blank=True)
    short_term_liabilities = models.BigIntegerField(null=True, blank=True)
    sales = models.BigIntegerField(null=True, blank=True)
    ebit = models.BigIntegerField(null=True, blank=True)
    ebitda = models.BigIntegerField(null=True, blank=True)
    financial_charges = models.BigIntegerField(null=True, blank=True)
    staff_costs = models.BigIntegerField(null=True, blank=True)
    value_added = models.BigIntegerField(null=True, blank=True)
    net_income = models.BigIntegerField(null=True, blank=True)
    created_by = models.CharField(max_length=150, default="cli")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["customer", "-year_end"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "year_end"], name="statement_once_a_year")
        ]


class ExternalEvent(models.Model):
    """What is published about a customer: collective proceedings, payment incidents, ratings."""

    class Kind(models.TextChoices):
        SAFEGUARD = "safeguard", "safeguard"
        RECEIVERSHIP = "receivership", "receivership"
        LIQUIDATION = "liquidation", "liquidation"
        PAYMENT_INCIDENT = "payment_incident", "payment incident"
        RATING_CHANGE = "rating_change", "rating change"
        OTHER = "other", "other"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    day = models.DateField()  # of the publication
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    created_by = models.CharField(max_length=150, default="cli")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "day", "kind"], name="event_once")
        ]


COLLECTIVE_PROCEEDINGS = (
    ExternalEvent.Kind.SAFEGUARD,
    ExternalEvent.Kind.RECEIVERSHIP,
    ExternalEvent.Kind.LIQUIDATION,
)


class LimitRequest(models.Model):
    """A request to set a customer's credit limit, decided by someone whose delegation covers it."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="limit_requests")
    amount = models.BigIntegerField()  # cents: the limit asked for
    previous = models.BigIntegerField(null=True, blank=True)  # cents: the limit then
    recommended = models.BigIntegerField(null=True, blank=True)  # cents: the policy's
    reason = models.CharField(max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.CharField(max_length=150)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "status"], name="limit_request_status_idx")]


class Alert(models.Model):
    """An early warning of a day about a customer (C7): what changed that a credit manager
    must know."""

    class Kind(models.TextChoices):
        LIMIT = "limit", "limit usage over 90 %"
        DOWNGRADE = "downgrade", "rating downgraded"
        WORSE = "worse", "paying later and later"
        EVENT = "event", "external event"
        BROKEN_PROMISE = "broken_promise", "broken promise"
        CONCENTRATION = "concentration", "concentration"
        REVIEW = "review", "limit review due"
        INSURANCE = "insurance", "credit insurance ending"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="alerts")
    day = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "day", "kind"], name="alert_once_a_day")
        ]
        indexes = [models.Index(fields=["company", "day"], name="alert_day_idx")]


class Order(models.Model):
    """An order taken and not yet invoiced: part of the customer's exposure."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    number = models.CharField(max_length=100)
    date = models.DateField()
    amount = models.BigIntegerField()  # cents, still to invoice
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="order_number_unique")
        ]
        indexes = [models.Index(fields=["company", "customer"], name="order_customer_idx")]


class Guarantee(models.TextChoices):
    NONE = "none", "none"
    PREPAYMENT = "prepayment", "prepayment"
    DEPOSIT = "deposit", "deposit"
    BANK_GUARANTEE = "bank_guarantee", "bank guarantee"
    CREDIT_INSURANCE = "credit_insurance", "credit insurance"


class CreditPolicy(models.Model):
    """A company's credit policy for one rating: the longest terms granted, how the limit is
    reckoned, and the guarantee asked for."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    rating = models.CharField(max_length=1)
    max_terms_days = models.PositiveSmallIntegerField()
    sales_months = models.DecimalField(max_digits=4, decimal_places=1)  # of the customer's sales
    equity_percent = models.DecimalField(max_digits=5, decimal_places=1)  # of its equity, at most
    guarantee = models.CharField(max_length=20, choices=Guarantee.choices, default="none")

    class Meta:
        ordering = ["company", "rating"]
        constraints = [
            models.UniqueConstraint(fields=["company", "rating"], name="policy_once_a_rating")
        ]


class CreditCover(models.Model):
    """What secures a customer's credit: its insurer's cover, a guarantee held, and when
    the limit is next reviewed."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="cover")
    insurer = models.CharField(max_length=100, blank=True)
    insured_amount = models.BigIntegerField(null=True, blank=True)  # cents
    insurance_decided = models.DateField(null=True, blank=True)
    insurance_expires = models.DateField(null=True, blank=True)
    guarantee = models.CharField(max_length=20, choices=Guarantee.choices, default="none")
    guarantee_amount = models.BigIntegerField(null=True, blank=True)  # cents
    review_date = models.DateField(null=True, blank=True)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def insured_on(self, day: date) -> int:
        """The cover in force on ``day`` (cents; 0 when none, not yet decided or expired)."""
        if not self.insured_amount or (
            self.insurance_decided is not None and self.insurance_decided > day
        ):
            return 0
        if self.insurance_expires is not None and self.insurance_expires < day:
            return 0
        return self.insured_amount


class ProvisionRun(models.Model):
    """The doubtful-debt provisions of a month end: proposed by the daily run, approved by a
    person, then exported for the accountant. ``lines`` keeps each invoice's figures (cents)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "proposed"
        APPROVED = "approved", "approved"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    month_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    total = models.BigIntegerField(default=0)  # cents
    lines = models.JSONField(default=list)
    writeoffs = models.JSONField(default=list)  # the month's written-off invoices, in cents
    proposed_at = models.DateTimeField(auto_now=True)
    approved_by = models.CharField(max_length=150, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["company", "-month_end"]
        constraints = [
            models.UniqueConstraint(fields=["company", "month_end"], name="provisions_once_a_month")
        ]
