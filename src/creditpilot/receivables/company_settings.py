"""A company's settings: changing the default terms or the calendar re-derives due dates,
so the action lives with the ledger."""

from __future__ import annotations

from datetime import time

from django.db import transaction

from creditpilot.audit.services import Actor, record
from creditpilot.companies.models import Company
from creditpilot.receivables.rebuild import do_rebuild

LETTERHEAD_FIELDS = ("siren", "address", "phone", "sender_email", "iban", "bic", "legal_mentions")
SETTINGS_FIELDS = (
    "name",
    "default_terms",
    "due_dates_on_business_days",
    "daily_run_hour",
    *LETTERHEAD_FIELDS,
)


def _plain(value: object) -> object:
    """A setting as the audit log keeps it (JSON): a time as HH:MM."""
    return value.strftime("%H:%M") if isinstance(value, time) else value


def do_update_company_settings(
    company: Company, changes: dict, *, actor: Actor | None = None
) -> list[str]:
    """Change the company's settings (audited); new default terms or calendar re-derive due dates."""
    with transaction.atomic():
        locked = Company.objects.select_for_update().get(pk=company.pk)
        before = {
            k: getattr(locked, k)
            for k in SETTINGS_FIELDS
            if k in changes and getattr(locked, k) != changes[k]
        }
        if not before:
            return []
        for k in before:
            setattr(locked, k, changes[k])
        locked.save(update_fields=list(before))
        record(
            "settings_changed",
            actor=actor,
            company_id=locked.pk,
            object_type="company",
            object_ref=locked.code,
            before={k: _plain(v) for k, v in before.items()},
            after={k: _plain(changes[k]) for k in before},
        )
        if {"default_terms", "due_dates_on_business_days"} & set(before):
            do_rebuild(locked)
    for k in before:
        setattr(company, k, changes[k])
    return list(before)
