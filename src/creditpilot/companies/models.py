"""The creditor: a company whose receivables creditpilot manages (several per installation)."""

from __future__ import annotations

from datetime import time

from django.db import models

from creditpilot.core.terms import DEFAULT_TERMS_CODE

DEFAULT_RECEIVABLE_PREFIXES = "411,413,416"
DEFAULT_OPENING_JOURNALS = "AN,RAN,OUV,ANO,ANX"
# the daily run of a company starts at this local time (settings.TIME_ZONE, Europe/Paris)
DEFAULT_DAILY_RUN_HOUR = time(6, 0)


class Company(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    siren = models.CharField(max_length=9, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    default_terms = models.CharField(max_length=40, default=DEFAULT_TERMS_CODE)
    # FEC: which accounts are customer accounts, which journals carry the opening entries
    receivable_prefixes = models.CharField(max_length=200, default=DEFAULT_RECEIVABLE_PREFIXES)
    opening_journals = models.CharField(max_length=200, default=DEFAULT_OPENING_JOURNALS)
    # due dates falling on a week-end or a public holiday move to the next business day
    due_dates_on_business_days = models.BooleanField(default=False)
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    # local time (Europe/Paris) at which the scheduler queues the company's daily run
    daily_run_hour = models.TimeField(default=DEFAULT_DAILY_RUN_HOUR)
    # the letterhead of its letters and statements, and the sender of its reminders
    address = models.TextField(max_length=500, blank=True)  # lines of the postal address
    phone = models.CharField(max_length=40, blank=True)
    sender_email = models.CharField(max_length=254, blank=True)  # empty: the server's default
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    # the late-payment terms of its terms of sale, printed on letters; empty: the legal default
    legal_mentions = models.TextField(max_length=2000, blank=True)
    # bumped by every rebuild of the ledger: cached positions and KPIs of an older version are stale
    ledger_version = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def bump_ledger_version(self) -> None:
        """Mark every cached position of the company stale (the ledger or its customers changed)."""
        Company.objects.filter(pk=self.pk).update(ledger_version=models.F("ledger_version") + 1)
        self.refresh_from_db(fields=["ledger_version"])

    @property
    def receivable_prefix_list(self) -> list[str]:
        return [p.strip() for p in self.receivable_prefixes.split(",") if p.strip()]

    @property
    def opening_journal_list(self) -> list[str]:
        return [j.strip().upper() for j in self.opening_journals.split(",") if j.strip()]
