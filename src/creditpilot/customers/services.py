"""Customers import: the customer master data (CSV or XLSX), atomic and idempotent."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError
from creditpilot.customers.models import Customer
from creditpilot.readers.customers import read_customers
from creditpilot.receivables.models import ImportBatch
from creditpilot.receivables.rebuild import do_rebuild
from creditpilot.receivables.services import ImportRefusedError, ImportResult, content_hash_of

FIELDS = (
    "name",
    "siren",
    "country",
    "segment",
    "payment_terms",
    "vat",
    "sales_rep",
    "email",
    "credit_limit",
    "currency",
)


def do_import_customers(
    company: Company, path: Path | str, *, accept_valid_rows: bool = False, user: str = "cli"
) -> ImportResult:
    """Create or update customers from a file; the file's values win over the FEC's."""
    path = Path(path)
    name = str(path)
    records, errors = read_customers(path)
    content_hash = content_hash_of(path)
    if ImportBatch.objects.filter(company=company, kind=ImportBatch.Kind.CUSTOMERS, content_hash=content_hash).exists():
        return ImportResult("customers", name, changed=False)
    if errors and not accept_valid_rows:
        raise ImportRefusedError(name, errors)
    if not records:
        raise InvalidInputError("no_data", "the file has no customer row to import", file=name, line=1)
    with transaction.atomic():
        existing = {c.code: c for c in Customer.objects.filter(company=company, code__in=[r.code for r in records])}
        created, updated, terms_changed = [], [], False
        for rec in records:
            values = {
                "name": rec.name[:200],
                "siren": rec.siren or "",
                "country": rec.country,
                "segment": rec.segment,
                "payment_terms": rec.payment_terms or "",
                "vat": rec.vat or "",
                "sales_rep": rec.sales_rep,
                "email": rec.email,
                "credit_limit": rec.credit_limit,
                "currency": rec.currency,
            }
            customer = existing.get(rec.code)
            if customer is None:
                created.append(Customer(company=company, code=rec.code, origin=Customer.Origin.IMPORT, **values))
                continue
            if any(getattr(customer, k) != v for k, v in values.items()):
                terms_changed |= customer.payment_terms != values["payment_terms"]
                for k, v in values.items():
                    setattr(customer, k, v)
                customer.origin = Customer.Origin.IMPORT
                updated.append(customer)
        Customer.objects.bulk_create(created, batch_size=2000)
        Customer.objects.bulk_update(updated, [*FIELDS, "origin"], batch_size=2000)
        warnings = []
        if terms_changed:
            warnings = do_rebuild(company).warnings
        batch = ImportBatch.objects.create(
            company=company,
            kind=ImportBatch.Kind.CUSTOMERS,
            file_name=path.name,
            content_hash=content_hash,
            created_by=user,
            counts={
                "rows": len(records) + len(errors),
                "customers_added": len(created),
                "customers_changed": len(updated),
                "rejected_rows": len(errors),
            },
            errors=[e.as_dict() for e in errors],
            warnings=warnings,
        )
    return ImportResult("customers", name, True, batch.counts, warnings, errors, batch.id)
