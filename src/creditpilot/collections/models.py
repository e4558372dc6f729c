"""Collections in the store: interest rates, the company's and customers' collection settings.

Rates are percentages (``12.15`` = 12.15 %) kept as decimals with four places;
amounts are integer cents, as everywhere in the store.
"""

from __future__ import annotations

from django.db import models

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer

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
