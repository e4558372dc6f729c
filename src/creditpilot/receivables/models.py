"""The receivables ledger: documents, allocations, import batches, FEC periods.

Amounts are integer cents in the company's currency (``amount``), signed:
positive for a debit of the customer account (invoice, charge), negative for a
credit (payment, credit note). ``currency_amount`` keeps the transaction
currency's amount, in hundredths of its unit.
"""

from __future__ import annotations

from django.db import models

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer


class ImportBatch(models.Model):
    class Kind(models.TextChoices):
        FEC = "fec", "FEC"
        CUSTOMERS = "customers", "customers"
        INVOICES = "invoices", "invoices"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="imports")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    file_name = models.CharField(max_length=500)
    content_hash = models.CharField(max_length=64)
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)  # rows skipped with --accept-valid-rows
    warnings = models.JSONField(default=list)
    period_start = models.DateField(null=True)
    period_end = models.DateField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, default="cli")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "kind", "content_hash"])]


class LedgerPeriod(models.Model):
    """The span of entry dates a FEC covers; a later FEC of an overlapping span replaces it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="ledger_periods")
    start = models.DateField()
    end = models.DateField()
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT)
    # what the next export of the period needs to skip the entries read this time, byte for
    # byte the same (receivables/digests.py): a digest of each entry accepted whole and the
    # fingerprints of its documents, and the context they were read in
    digest_context = models.CharField(max_length=64, blank=True)
    digest_meta = models.JSONField(default=dict)
    entry_digests = models.BinaryField(null=True)

    class Meta:
        ordering = ["start"]


class Document(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", "invoice"
        CREDIT_NOTE = "credit_note", "credit note"
        PAYMENT = "payment", "payment"
        DEBIT = "debit", "other debit"
        CREDIT = "credit", "other credit"

    class Source(models.TextChoices):
        FEC = "fec", "FEC"
        INVOICES = "invoices", "invoices import"

    # indexes: the composite ones below serve company and customer look-ups; a million
    # lines are inserted at once, and each index is paid for on every line. So is each
    # foreign key the database checks, row by row (on PostgreSQL a trigger and a row lock
    # per line at the commit: 6 of the 18 seconds of a 1M-line import). The company, the
    # customer and the batch are kept by the code: Django still cascades and protects, and
    # every import checks its rows against them at once before it commits
    # (``guards.check_links``).
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="documents",
        db_index=False,
        db_constraint=False,
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    key = models.CharField(max_length=300)  # natural key within (company, source)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    number = models.CharField(max_length=200, blank=True)  # invoice number / PieceRef
    label = models.CharField(max_length=500, blank=True)
    journal = models.CharField(max_length=40, blank=True)
    entry_number = models.CharField(max_length=60, blank=True)
    account = models.CharField(max_length=40, blank=True)
    date = models.DateField()  # document date: PieceDate, else EcritureDate
    entry_date = models.DateField()  # EcritureDate (the FEC's period)
    due_date = models.DateField()
    due_date_explicit = models.BooleanField(default=False)  # else derived from the terms
    amount = models.BigIntegerField()  # cents, company currency, signed
    currency = models.CharField(max_length=3, default="EUR")
    currency_amount = models.BigIntegerField()
    lettering = models.CharField(max_length=40, blank=True)
    lettering_date = models.DateField(null=True)
    # lettering after opening entries of the next year passed theirs on
    effective_lettering = models.CharField(max_length=40, blank=True)
    is_sale = models.BooleanField(default=False)  # entry carries a revenue (class 7) account
    is_opening = models.BooleanField(default=False)
    # the FEC entry's revenue (class 7, credit - debit) and the sum of its customer lines:
    # the line's share excluding VAT is their ratio, kept exact (SPEC §3, provisions);
    # empty when the entry has no revenue account, or the source gives no VAT
    entry_excl_vat = models.BigIntegerField(null=True, blank=True)
    entry_total = models.BigIntegerField(null=True, blank=True)
    # an opening line restating a year the store holds is kept but not counted
    is_active = models.BooleanField(default=True)
    disputed = models.BooleanField(default=False)
    # a hash of what a FEC says of the line (every stored column of the file): a later export
    # of the period is compared line by line through it, without reading the lines back
    fingerprint = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "source", "key"], name="document_key_unique")
        ]
        # covers the aged balance (one pass over the index, already in customer order)
        # and the customer's statement
        indexes = [
            models.Index(
                fields=["company", "customer", "date", "due_date", "amount", "is_active"],
                name="document_aging_idx",
            ),
            # a later export of a period is compared with the stored lines through their
            # fingerprints: read from the index alone, in the period's order
            models.Index(
                fields=["company", "source", "entry_date", "fingerprint"],
                name="document_period_idx",
            ),
            # opening lines only (a few per customer and year): which customers a new
            # fiscal period concerns, without reading the whole ledger
            models.Index(
                fields=["company", "entry_date"],
                condition=models.Q(is_opening=True),
                name="document_opening_idx",
            ),
            # the items an invoices import flags disputed (a few): found after every import
            # without reading the whole ledger
            models.Index(
                fields=["company"],
                condition=models.Q(disputed=True),
                name="document_disputed_idx",
            ),
        ]


class Allocation(models.Model):
    class Method(models.TextChoices):
        LETTERING = "lettering", "lettering"
        REFERENCE = "reference", "reference"
        AMOUNT = "amount", "exact amount"
        OLDEST = "oldest", "oldest first"
        IMPORT = "import", "invoices import"
        MANUAL = "manual", "by hand"

    FIXED = (Method.IMPORT, Method.MANUAL)

    # the company and the customer are the invoice's; like the two documents, kept by the
    # code and checked at once by every import and rebuild (see Document)
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    invoice = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="settled_by", db_constraint=False
    )
    credit = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="settles", db_constraint=False
    )
    amount = models.BigIntegerField()  # cents, > 0
    method = models.CharField(max_length=10, choices=Method.choices)
    date = models.DateField()  # the later of the two documents' dates
    due_date = models.DateField()  # the invoice's, kept here for the aged balance

    class Meta:
        indexes = [
            models.Index(
                fields=["company", "customer", "date", "due_date", "amount"],
                name="allocation_aging_idx",
            )
        ]


class ImportJob(models.Model):
    """An import asked for in the browser or the API: the uploaded file, its progress, its outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"  # imported, or nothing changed
        REFUSED = "refused", "refused"  # bad input: the store is as it was
        FAILED = "failed", "failed"  # unexpected error: the store is as it was

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=12, choices=ImportBatch.Kind.choices)
    file_name = models.CharField(max_length=255)  # as uploaded; shown escaped, never served back
    stored_path = models.CharField(max_length=500)
    size = models.BigIntegerField(default=0)
    accept_valid_rows = models.BooleanField(default=False)
    # the user confirmed: import a FEC that looks like another company's (receivables/guards.py)
    force = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=20, blank=True)
    changed = models.BooleanField(default=False)
    counts = models.JSONField(default=dict)
    message = models.CharField(max_length=1000, blank=True)
    errors = models.JSONField(
        default=list
    )  # the first rejected rows, each with line, column, reason
    error_count = models.IntegerField(default=0)
    # what the checks found about the file ({code, params, message}), said in the reader's language
    warnings = models.JSONField(default=list)
    batch = models.ForeignKey(ImportBatch, null=True, on_delete=models.SET_NULL)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED)
