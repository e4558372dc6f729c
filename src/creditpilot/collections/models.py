"""Collections in the store: interest rates, settings, promises to pay, disputes, do-not-dun.

Rates are percentages (``12.15`` = 12.15 %) kept as decimals with four places;
amounts are integer cents, as everywhere in the store.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import models

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document

RATE_FIELD = {"max_digits": 8, "decimal_places": 4}


class EcbRate(models.Model):
    """An ECB main refinancing rate decision added after the table shipped with the package."""

    effective_date = models.DateField(unique=True)
    rate = models.DecimalField(**RATE_FIELD)  # percent
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, default="cli")

    class Meta:
        ordering = ["effective_date"]


class CollectionSettings(models.Model):
    """A company's collection settings; a company without a row uses the defaults."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="collection_settings"
    )
    # the late-payment rate of the company's terms of sale; empty = ECB rate + 10 points
    contractual_rate = models.DecimalField(**RATE_FIELD, null=True, blank=True)
    # a promise pauses dunning on its items until its date plus these days
    promise_grace_days = models.PositiveSmallIntegerField(default=3)


class CustomerProfile(models.Model):
    """What collections needs to know of a customer beyond its identity (one row, when set)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="collection_profile"
    )
    # a late-payment rate agreed with this customer; empty = the company's
    contractual_rate = models.DecimalField(**RATE_FIELD, null=True, blank=True)
    # the 40 EUR recovery indemnity is owed by businesses only
    is_business = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["company", "customer"], name="profile_company_idx")]


class Promise(models.Model):
    """A customer's promise to pay an amount by a date; dunning of its items waits meanwhile."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        KEPT = "kept", "kept"
        BROKEN = "broken", "broken"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="promises")
    items = models.ManyToManyField(Document, related_name="promises")
    amount = models.BigIntegerField()  # cents, > 0
    promised_date = models.DateField()
    grace_days = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    made_on = models.DateField()  # the business day the promise was recorded
    resolved_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    created_by = models.CharField(max_length=150, default="cli")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-made_on", "-id"]
        indexes = [
            models.Index(fields=["company", "status", "customer"], name="promise_status_idx")
        ]

    @property
    def pauses_until(self) -> date:
        """The last day dunning waits for this promise: its date plus the grace days."""
        return self.promised_date + timedelta(days=self.grace_days)


class Dispute(models.Model):
    """An item the customer contests: it is never dunned while the dispute is open."""

    class Reason(models.TextChoices):
        PRICE = "price", "price"
        QUANTITY = "quantity", "quantity"
        QUALITY = "quality", "quality"
        DELIVERY = "delivery", "delivery"
        DUPLICATE = "duplicate", "duplicate"
        OTHER = "other", "other"

    class Status(models.TextChoices):
        OPEN = "open", "open"
        CLOSED = "closed", "closed"

    class Source(models.TextChoices):
        USER = "user", "user"
        IMPORT = "import", "invoices import"  # the invoices file's ``disputed`` column

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="disputes")
    item = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="disputes")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.USER)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)  # "import": the file cleared the flag
    created_by = models.CharField(max_length=150, default="cli")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(status="open"),
                name="one_open_dispute_per_item",
            )
        ]
        indexes = [
            models.Index(fields=["company", "status", "customer"], name="dispute_status_idx")
        ]


class DoNotDun(models.Model):
    """A customer left out of dunning, for a reason, until a date (or until lifted)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="do_not_dun")
    reason = models.CharField(max_length=500)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)  # empty: until lifted
    created_by = models.CharField(max_length=150, default="cli")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-since", "-id"]
        indexes = [models.Index(fields=["company", "customer"], name="do_not_dun_idx")]
