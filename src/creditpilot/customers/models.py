"""Customers of a company: identity, terms, limit; the debtor side of every receivable."""

from __future__ import annotations

from django.db import models

from creditpilot.companies.models import Company


class Customer(models.Model):
    class Origin(models.TextChoices):
        FEC = "fec", "FEC"
        IMPORT = "import", "customers import"
        USER = "user", "user"
        INVOICES = "invoices", "invoices import"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="customers")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    siren = models.CharField(max_length=9, blank=True)
    vat = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="FR")
    segment = models.CharField(max_length=60, blank=True)
    # empty = the company's default terms; due dates derived from terms follow this value
    payment_terms = models.CharField(max_length=40, blank=True)
    sales_rep = models.CharField(max_length=120, blank=True)
    email = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=5, default="fr")  # of its letters: fr or en
    address = models.TextField(max_length=500, blank=True)  # postal, for letters: lines
    phone = models.CharField(max_length=40, blank=True)  # who to call about payments
    credit_limit = models.BigIntegerField(null=True, blank=True)  # cents
    # the risk class given by the credit manager or the scoring (A best .. E worst); empty = not rated
    rating = models.CharField(max_length=8, blank=True)
    # who gave the rating: the daily scoring ("score"), or a person ("person"), whose rating
    # the scoring then leaves alone until it is cleared
    rating_source = models.CharField(max_length=8, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.USER)
    # derived by the ledger's rebuild: credits of the customer not wholly allocated
    unapplied_credits = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="customer_code_unique")
        ]
        indexes = [
            models.Index(fields=["company", "name"], name="customer_name_idx"),
            models.Index(fields=["company", "sales_rep", "code"], name="customer_rep_idx"),
            models.Index(fields=["company", "segment", "code"], name="customer_segment_idx"),
            models.Index(fields=["company", "rating"], name="customer_rating_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Note(models.Model):
    """A credit manager's note on a customer (a call, a promise, a remark)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="notes")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.CharField(max_length=150)
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class CustomerTerms(models.Model):
    """One step of a customer's payment terms history (SPEC §3 "Due date").

    An invoice's derived due date uses the terms in force at the invoice's date:
    the step with the latest ``effective_from`` on or before it. The first terms a
    customer is given apply from the start (``effective_from`` empty), so customers
    may be imported before or after the FEC; a later change applies from its date.
    No step at all: the company's default terms.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="terms_history")
    terms = models.CharField(max_length=40, blank=True)  # empty = the company's default terms
    effective_from = models.DateField(null=True, blank=True)  # empty = from the start
    created_by = models.CharField(max_length=150, default="cli")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer", models.F("effective_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "effective_from"], name="customer_terms_date_unique"
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(effective_from__isnull=True),
                name="customer_terms_start_unique",
            ),
        ]
        indexes = [models.Index(fields=["company", "customer"], name="customer_terms_idx")]

    def __str__(self) -> str:
        start = self.effective_from.isoformat() if self.effective_from else "start"
        return f"{self.customer_id} {self.terms or '-'} from {start}"
