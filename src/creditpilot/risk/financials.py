"""Financial statements in the store: imported from a file, read by the core's scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from creditpilot.audit.services import Actor, record
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, RowError
from creditpilot.core.financials import FIGURES, FinancialStatement, Score, altman_z2, conan_holder
from creditpilot.customers.models import Customer
from creditpilot.readers.financials import StatementRecord, read_financials
from creditpilot.receivables.services import ImportRefusedError
from creditpilot.risk.models import FinancialStatement as StoredStatement


@dataclass(frozen=True)
class FinancialsImported:
    file: str
    created: int
    updated: int

    def __str__(self) -> str:
        return f"{self.file}: {self.created} statements added, {self.updated} changed"


def do_import_financials(company: Company, path: Path | str, actor: Actor) -> FinancialsImported:
    """Add or replace statements (one per customer and year end); all or nothing."""
    name = str(path)
    records, errors = read_financials(path)
    by_code = dict(Customer.objects.filter(company=company).values_list("code", "id"))
    by_siren = dict(
        Customer.objects.filter(company=company).exclude(siren="").values_list("siren", "id")
    )
    resolved: list[tuple[int, StatementRecord]] = []
    for rec in records:
        customer_id = by_code.get(rec.customer) if rec.customer else by_siren.get(rec.siren)
        if customer_id is None:
            column = "customer" if rec.customer else "siren"
            value = rec.customer or rec.siren
            errors.append(
                RowError.of(name, rec.line, column, "statement_unknown_customer", value=value)
            )
        else:
            resolved.append((customer_id, rec))
    if errors:
        raise ImportRefusedError(name, sorted(errors, key=lambda e: e.line))
    if not resolved:
        raise InvalidInputError("no_data", "the file has no statement to import", file=name, line=1)
    created = updated = 0
    with transaction.atomic():
        for customer_id, rec in resolved:
            _row, made = StoredStatement.objects.update_or_create(
                customer_id=customer_id,
                year_end=rec.year_end,
                defaults={
                    "company": company,
                    "created_by": actor.username,
                    **rec.figures,
                },
            )
            created += made
            updated += not made
        record(
            "financials_imported",
            company_id=company.pk,
            actor=actor,
            object_type="company",
            object_ref=company.code,
            after={"file": Path(name).name, "added": created, "changed": updated},
        )
    return FinancialsImported(Path(name).name, created, updated)


def latest_statement(customer: Customer) -> StoredStatement | None:
    return StoredStatement.objects.filter(customer=customer).order_by("-year_end").first()


def statement_scores(stored: StoredStatement) -> tuple[Score, Score]:
    """Altman Z'' and Conan-Holder of a stored statement."""
    figures = FinancialStatement(**{name: getattr(stored, name) for name in FIGURES})
    return altman_z2(figures), conan_holder(figures)


def altman_by_customer(company: Company, as_of: date) -> dict[int, Decimal]:
    """Each customer's Altman Z'' from its latest statements closed by ``as_of`` (where their
    figures allow it), by customer id."""
    found: dict[int, Decimal] = {}
    seen: set[int] = set()
    for stored in StoredStatement.objects.filter(company=company, year_end__lte=as_of).order_by(
        "customer_id", "-year_end"
    ):
        if stored.customer_id in seen:
            continue  # an older year
        seen.add(stored.customer_id)
        z = statement_scores(stored)[0].value
        if z is not None:
            found[stored.customer_id] = z
    return found
