"""External events about customers: a collective proceeding stops dunning and credit at once.

A safeguard, receivership or liquidation published about a customer puts it at the worst
rating, leaves it out of dunning (its debts are now claimed from the court's officer, not
from it), asks for a credit hold, and opens a task to file the claim (déclaration de
créance) before its deadline: two months after the publication (Code de commerce,
R622-24).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from creditpilot.audit.services import Actor, record
from creditpilot.collections.models import DoNotDun, Task
from creditpilot.collections.services import customer_balance
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, RowError
from creditpilot.customers.models import Customer
from creditpilot.readers.events import EventRecord, read_events
from creditpilot.receivables.services import ImportRefusedError
from creditpilot.reports.positions import sync_ratings
from creditpilot.risk.models import COLLECTIVE_PROCEEDINGS, ExternalEvent

CLAIM_MONTHS = 2


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day.

    >>> add_months(date(2026, 12, 31), 2), add_months(date(2026, 3, 15), 2)
    (datetime.date(2027, 2, 28), datetime.date(2026, 5, 15))
    """
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class EventsImported:
    file: str
    added: int
    proceedings: int

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.added} events added, {self.proceedings} customers under "
            "collective proceedings (dunning stopped, claim to file)"
        )


def do_import_events(
    company: Company, path: Path | str, actor: Actor, today: date
) -> EventsImported:
    """Record the events of a file (again: nothing twice); all or nothing."""
    name = str(path)
    records, errors = read_events(path)
    customers = {c.siren: c for c in Customer.objects.filter(company=company).exclude(siren="")}
    for rec in records:
        if rec.siren not in customers:
            errors.append(
                RowError.of(name, rec.line, "siren", "event_unknown_siren", value=rec.siren)
            )
    if errors:
        raise ImportRefusedError(name, sorted(errors, key=lambda e: e.line))
    if not records:
        raise InvalidInputError("no_data", "the file has no event to import", file=name, line=1)
    added = proceedings = 0
    with transaction.atomic():
        for rec in records:
            customer = customers[rec.siren]
            event, created = ExternalEvent.objects.get_or_create(
                customer=customer,
                day=rec.day,
                kind=rec.kind,
                defaults={
                    "company": company,
                    "source": rec.source,
                    "note": rec.note,
                    "created_by": actor.username,
                },
            )
            if not created:
                continue
            added += 1
            if rec.kind in COLLECTIVE_PROCEEDINGS:
                proceedings += 1
                _proceedings(company, customer, event, rec, actor, today)
        record(
            "events_imported",
            company_id=company.pk,
            actor=actor,
            object_type="company",
            object_ref=company.code,
            after={"file": Path(name).name, "added": added, "proceedings": proceedings},
        )
    return EventsImported(Path(name).name, added, proceedings)


def _proceedings(
    company: Company,
    customer: Customer,
    event: ExternalEvent,
    rec: EventRecord,
    actor: Actor,
    today: date,
) -> None:
    Customer.objects.filter(pk=customer.pk).update(rating="E", rating_source="event")
    sync_ratings(company, {"E": [customer.pk]})  # the cached lists show it at once
    DoNotDun.objects.create(
        company=company,
        customer=customer,
        reason=f"procédure collective ({rec.kind}) publiée le {rec.day.strftime('%d/%m/%Y')}",
        since=rec.day,
        created_by=actor.username,
    )
    owed = customer_balance(customer, today)
    deadline = add_months(rec.day, CLAIM_MONTHS)
    for kind, note in (
        (Task.Kind.FILE_CLAIM, f"déclarer la créance avant le {deadline.strftime('%d/%m/%Y')}"),
        (Task.Kind.CREDIT_HOLD, "procédure collective : plus de livraison à crédit"),
    ):
        Task.objects.get_or_create(
            company=company,
            customer=customer,
            key=f"{kind}:event:{event.pk}",
            defaults={"kind": kind, "day": today, "amount": max(owed, 0), "note": note},
        )
    record(
        "proceedings_opened",
        company_id=company.pk,
        actor=actor,
        object_type="customer",
        object_ref=customer.code,
        after={"kind": rec.kind, "day": rec.day.isoformat(), "claim_before": deadline.isoformat()},
    )


def under_proceedings(company: Company, as_of: date) -> set[int]:
    """Customers with a collective proceeding published by ``as_of``."""
    return set(
        ExternalEvent.objects.filter(
            company=company, kind__in=COLLECTIVE_PROCEEDINGS, day__lte=as_of
        ).values_list("customer_id", flat=True)
    )
