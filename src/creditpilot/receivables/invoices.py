"""Invoices import: open items with their due dates and payments, for a company whose
accounting export is an aged-balance list rather than a FEC.

One row per invoice (positive amount) or credit note (negative); ``paid_amount``
on ``paid_date`` becomes a payment settling that very document. Rows are keyed
by customer and number, so a later list updates what changed.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, RowError
from creditpilot.customers.models import Customer
from creditpilot.readers.invoices import InvoiceRecord, read_invoices
from creditpilot.receivables.models import Allocation, Document, ImportBatch
from creditpilot.receivables.rebuild import do_rebuild
from creditpilot.receivables.services import (
    ImportRefusedError,
    ImportResult,
    audit_import,
    content_hash_of,
    to_company_currency,
)

DOC_FIELDS = (
    "customer_id",
    "kind",
    "number",
    "date",
    "entry_date",
    "due_date",
    "amount",
    "currency",
    "currency_amount",
    "is_sale",
    "disputed",
)


def _check_against_store(
    company: Company, records: list[InvoiceRecord], file: str
) -> list[RowError]:
    known = set(Customer.objects.filter(company=company).values_list("code", flat=True))
    errors = []
    for rec in records:
        if rec.customer_code not in known:
            errors.append(
                RowError.of(
                    file, rec.line, "customer_code", "unknown_customer", code=rec.customer_code
                )
            )
        elif rec.currency != company.currency and rec.exchange_rate is None:
            errors.append(
                RowError.of(
                    file,
                    rec.line,
                    "exchange_rate",
                    "missing_rate",
                    currency=rec.currency,
                    to_currency=company.currency,
                )
            )
    return errors


def do_import_invoices(
    company: Company, path: Path | str, *, accept_valid_rows: bool = False, user: str = "cli"
) -> ImportResult:
    path = Path(path)
    name = str(path)
    records, errors = read_invoices(path)
    content_hash = content_hash_of(path)
    if ImportBatch.objects.filter(
        company=company, kind=ImportBatch.Kind.INVOICES, content_hash=content_hash
    ).exists():
        return ImportResult("invoices", name, changed=False)
    store_errors = _check_against_store(company, records, name)
    if store_errors:
        bad = {e.line for e in store_errors}
        records = [r for r in records if r.line not in bad]
        errors = sorted([*errors, *store_errors], key=lambda e: (e.line or 0, e.column or ""))
    if errors and not accept_valid_rows:
        raise ImportRefusedError(name, errors)
    if not records:
        raise InvalidInputError(
            "no_data", "the file has no invoice row to import", file=name, line=1
        )
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            company=company,
            kind=ImportBatch.Kind.INVOICES,
            file_name=path.name,
            content_hash=content_hash,
            created_by=user,
        )
        counts, touched = _merge(company, batch, records)
        # only the customers the file names have documents inserted, changed or removed
        rebuilt = do_rebuild(company, customers=touched)
        batch.counts = {"rows": len(records) + len(errors), **counts, "rejected_rows": len(errors)}
        batch.errors = [e.as_dict() for e in errors]
        batch.warnings = [n.as_dict() for n in rebuilt.notices]
        batch.save(update_fields=["counts", "errors", "warnings"])
        audit_import(batch, user)
    warnings = [n.message for n in rebuilt.notices]
    return ImportResult("invoices", name, True, batch.counts, warnings, errors, batch.id)


def _documents(
    company: Company, rec: InvoiceRecord, customer_id: int
) -> tuple[Document, Document | None]:
    amount = to_company_currency(
        rec.amount, rec.exchange_rate if rec.currency != company.currency else None
    )
    doc = Document(
        company=company,
        customer_id=customer_id,
        source=Document.Source.INVOICES,
        key=f"{rec.customer_code}|{rec.number}",
        kind=Document.Kind.INVOICE if rec.amount > 0 else Document.Kind.CREDIT_NOTE,
        number=rec.number[:200],
        date=rec.date,
        entry_date=rec.date,
        due_date=rec.due_date,
        due_date_explicit=True,
        amount=amount,
        currency=rec.currency,
        currency_amount=rec.amount,
        is_sale=True,
        disputed=rec.disputed,
    )
    if not rec.paid_amount or rec.paid_date is None:
        return doc, None
    sign = -1 if rec.amount > 0 else 1
    paid = to_company_currency(
        rec.paid_amount, rec.exchange_rate if rec.currency != company.currency else None
    )
    payment = replace_doc(
        doc,
        key=f"{rec.customer_code}|{rec.number}|paid",
        kind=Document.Kind.PAYMENT if rec.amount > 0 else Document.Kind.DEBIT,
        date=rec.paid_date,
        entry_date=rec.paid_date,
        due_date=rec.paid_date,
        amount=sign * min(paid, abs(amount)),
        currency_amount=sign * rec.paid_amount,
        is_sale=False,
        disputed=False,
    )
    return doc, payment


def replace_doc(doc: Document, **changes: object) -> Document:
    values = {
        f: getattr(doc, f)
        for f in ("company", "customer_id", "source", "number", "due_date_explicit", "currency")
    }
    values.update(changes)
    return Document(**values)


def _merge(
    company: Company, batch: ImportBatch, records: list[InvoiceRecord]
) -> tuple[dict[str, int], set[int]]:
    customer_ids = dict(Customer.objects.filter(company=company).values_list("code", "id"))
    wanted: dict[str, Document] = {}
    pairs: list[tuple[str, str]] = []
    for rec in records:
        doc, payment = _documents(company, rec, customer_ids[rec.customer_code])
        wanted[doc.key] = doc
        if payment is not None:
            wanted[payment.key] = payment
            pairs.append((doc.key, payment.key))
    existing = {
        d.key: d
        for d in Document.objects.filter(
            company=company, source=Document.Source.INVOICES, key__in=[r for r in wanted]
        )
    }
    # payments that a row no longer carries
    stale_payments = [
        f"{r.customer_code}|{r.number}|paid" for r in records if not (r.paid_amount and r.paid_date)
    ]
    removed, _ = Document.objects.filter(
        company=company, source=Document.Source.INVOICES, key__in=stale_payments
    ).delete()
    created, changed = [], []
    for key, doc in wanted.items():
        old = existing.get(key)
        if old is None:
            doc.batch = batch
            created.append(doc)
        elif any(getattr(old, f) != getattr(doc, f) for f in DOC_FIELDS):
            for f in DOC_FIELDS:
                setattr(old, f, getattr(doc, f))
            old.batch = batch
            changed.append(old)
    Document.objects.bulk_create(created, batch_size=2000)
    Document.objects.bulk_update(changed, [*DOC_FIELDS, "batch"], batch_size=2000)
    _replace_fixed_allocations(company, wanted, pairs)
    counts = {
        "documents_added": len(created),
        "documents_changed": len(changed),
        "payments_removed": removed,
    }
    return counts, {customer_ids[r.customer_code] for r in records}


def _replace_fixed_allocations(
    company: Company, wanted: dict[str, Document], pairs: list[tuple[str, str]]
) -> None:
    """The payment each row carries settles its document: an allocation fixed by the list."""
    ids = dict(
        Document.objects.filter(
            company=company, source=Document.Source.INVOICES, key__in=list(wanted)
        ).values_list("key", "id")
    )
    touched = [ids[k] for pair in pairs for k in pair]
    Allocation.objects.filter(
        company=company, method=Allocation.Method.IMPORT, invoice_id__in=touched
    ).delete()
    Allocation.objects.filter(
        company=company, method=Allocation.Method.IMPORT, credit_id__in=touched
    ).delete()
    allocations = []
    for doc_key, pay_key in pairs:
        doc, pay = wanted[doc_key], wanted[pay_key]
        debit, credit = (doc, pay) if doc.amount > 0 else (pay, doc)
        allocations.append(
            Allocation(
                company=company,
                customer_id=doc.customer_id,
                invoice_id=ids[debit.key],
                credit_id=ids[credit.key],
                amount=abs(pay.amount),
                method=Allocation.Method.IMPORT,
                date=max(doc.date, pay.date),
                due_date=debit.due_date,
            )
        )
    Allocation.objects.bulk_create(allocations, batch_size=2000)


__all__ = ["do_import_invoices"]
