"""Customers import: the customer master data (CSV or XLSX), atomic and idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor, record
from creditpilot.companies.models import Company
from creditpilot.core.errors import CreditPilotError, InvalidInputError
from creditpilot.core.terms import parse_terms
from creditpilot.customers.models import Customer
from creditpilot.customers.signals import customer_changed
from creditpilot.customers.terms import TermsChange, record_terms
from creditpilot.readers.customers import CustomerRecord, read_customers
from creditpilot.receivables import bulk
from creditpilot.receivables.models import ImportBatch
from creditpilot.receivables.rebuild import do_rebuild
from creditpilot.receivables.services import (
    ImportRefusedError,
    ImportResult,
    audit_import,
    content_hash_of,
)

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
    "address",
    "phone",
    "language",
)


def do_import_customers(
    company: Company, path: Path | str, *, accept_valid_rows: bool = False, user: str = "cli"
) -> ImportResult:
    """Create or update customers from a file; the file's values win over the FEC's."""
    path = Path(path)
    name = str(path)
    records, errors = read_customers(path)
    content_hash = content_hash_of(path)
    if ImportBatch.objects.filter(
        company=company, kind=ImportBatch.Kind.CUSTOMERS, content_hash=content_hash
    ).exists():
        return ImportResult("customers", name, changed=False)
    if errors and not accept_valid_rows:
        raise ImportRefusedError(name, errors)
    if not records:
        raise InvalidInputError(
            "no_data", "the file has no customer row to import", file=name, line=1
        )
    with transaction.atomic():
        created, updated = _write_records(company, records, user)
        ids = dict(
            Customer.objects.filter(
                company=company, code__in=[r.code for r in records]
            ).values_list("code", "id")
        )
        terms_changed = record_terms(
            company,
            (TermsChange(ids[r.code], r.payment_terms or "", r.terms_from) for r in records),
            today=timezone.localdate(),
            user=user,
        )
        notices = []
        if terms_changed:
            # only these customers' due dates (and what hangs on them) are computed again
            notices = do_rebuild(company, customers=terms_changed).notices
        elif created or updated:
            company.bump_ledger_version()  # the cached lists must show the new and changed customers
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
            warnings=[n.as_dict() for n in notices],
        )
        audit_import(batch, user)
    warnings = [n.message for n in notices]
    return ImportResult("customers", name, True, batch.counts, warnings, errors, batch.id)


def _write_records(
    company: Company, records: list[CustomerRecord], user: str
) -> tuple[list[dict[str, Any]], list[Customer]]:
    """Create the new customers, update those that differ (audited); return both."""
    existing = {
        c.code: c
        for c in Customer.objects.filter(company=company, code__in=[r.code for r in records])
    }
    created: list[dict[str, Any]] = []
    updated: list[Customer] = []
    audited: list[AuditEvent] = []
    for rec in records:
        values = _values_of(rec)
        customer = existing.get(rec.code)
        if customer is None:
            created.append({"code": rec.code, **values})
            continue
        if any(getattr(customer, k) != v for k, v in values.items()):
            audited.extend(_audit_events(company, customer, values, user))
            for k, v in values.items():
                setattr(customer, k, v)
            customer.origin = Customer.Origin.IMPORT
            updated.append(customer)
    _insert_customers(company, created)
    Customer.objects.bulk_update(updated, [*FIELDS, "origin"], batch_size=2000)
    AuditEvent.objects.bulk_create(audited, batch_size=2000)
    return created, updated


def _values_of(rec: CustomerRecord) -> dict[str, Any]:
    return {
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
        # given only: an empty cell leaves the customer's as it was
        **{k: v for k in ("address", "phone", "language") if (v := getattr(rec, k)) is not None},
    }


AUDITED_FIELDS = ("payment_terms", "credit_limit")
EDITABLE_FIELDS = (
    "payment_terms",
    "credit_limit",
    "segment",
    "sales_rep",
    "rating",
    "email",
    "language",
    "address",
    "phone",
)


def _audit_events(
    company: Company, customer: Customer, values: dict[str, Any], user: str
) -> list[AuditEvent]:
    """Audit rows for the terms and limit a file changes (the import writes in bulk: no signal)."""
    before = {
        k: getattr(customer, k)
        for k in AUDITED_FIELDS
        if k in values and getattr(customer, k) != values[k]
    }
    if not before:
        return []
    return [
        AuditEvent(
            company=company,
            username=user,
            action="customer_changed",
            object_type="customer",
            object_ref=customer.code,
            before=before,
            after={k: values[k] for k in before},
        )
    ]


def do_update_customer(
    company: Company,
    customer: Customer,
    changes: dict[str, Any],
    *,
    actor: Actor | None = None,
) -> list[str]:
    """Change a customer's terms, limit or other settings; audited; the ledger follows new terms.

    ``changes`` holds the fields of ``EDITABLE_FIELDS`` to set; ``payment_terms`` is
    checked against the terms catalogue (empty = the company's default) and
    ``credit_limit`` is in cents (None = no limit). New terms apply from
    ``changes["terms_from"]`` (a date) when given, else from today — or from the
    start when they are the first the customer is given (SPEC §3 "Due date").
    Returns the names of the fields changed.
    """
    changes = dict(changes)
    terms_from = changes.pop("terms_from", None)
    _check_changes(changes)
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        before = {k: getattr(locked, k) for k, v in changes.items() if getattr(locked, k) != v}
        terms_changed = _new_terms(company, locked, changes, terms_from, actor)
        if terms_changed:
            before.setdefault("payment_terms", locked.payment_terms)
        else:  # the history already says so at that date: nothing to change
            before.pop("payment_terms", None)
        if not before:
            return []
        # the terms history has written the customer's current terms (its latest step)
        fields = [k for k in before if k != "payment_terms"]
        if "rating" in fields:  # a person's rating: the daily scoring leaves it alone
            locked.rating_source = "person" if changes["rating"] else ""
            fields.append("rating_source")
            changes["rating_source"] = locked.rating_source
        for k in fields:
            setattr(locked, k, changes[k])
        locked.origin = Customer.Origin.USER
        locked.save(update_fields=[*fields, "origin", "updated_at"])
        after = {k: changes[k] for k in before}
        if terms_changed and terms_from is not None:
            after["terms_from"] = terms_from.isoformat()
        record(
            "customer_changed",
            actor=actor,
            company_id=company.pk,
            object_type="customer",
            object_ref=locked.code,
            before=before,
            after=after,
        )
        if terms_changed:
            locked.refresh_from_db(fields=["payment_terms"])
            do_rebuild(company, customers=terms_changed)
        else:  # the ledger is as it was: the cached lists copy the customer's new fields
            customer_changed.send(sender=Customer, customer=locked)
    for k in fields:
        setattr(customer, k, changes[k])
    customer.payment_terms = locked.payment_terms
    return list(before)


def _new_terms(
    company: Company,
    customer: Customer,
    changes: dict[str, Any],
    terms_from: Any,
    actor: Actor | None,
) -> set[int]:
    """Write the terms ``changes`` give to the customer's history; {customer} if it moved."""
    if "payment_terms" not in changes:
        return set()
    return record_terms(
        company,
        [TermsChange(customer.pk, changes["payment_terms"], terms_from)],
        today=timezone.localdate(),
        user=_name_of(actor),
    )


def _check_changes(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInputError("unknown_field", f"cannot change {', '.join(sorted(unknown))}")
    fields: dict[str, str] = {}
    terms = changes.get("payment_terms")
    if terms:
        try:
            changes["payment_terms"] = parse_terms(terms).code
        except CreditPilotError as err:
            fields["payment_terms"] = str(err)
    limit = changes.get("credit_limit")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        fields["credit_limit"] = "the credit limit is an amount of zero or more"
    if "language" in changes and changes["language"] not in ("fr", "en"):
        fields["language"] = "the language of the letters is fr or en"
    if fields:
        raise InvalidInputError("invalid_customer", "; ".join(fields.values()), fields=fields)


def _name_of(actor: Actor | None) -> str:
    return (actor.username if actor else "")[:150] or "cli"


def _insert_customers(company: Company, rows: list[dict[str, Any]]) -> None:
    """New customers in one set-based insert (the ORM's per-object work costs seconds per 10,000)."""
    if not rows:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    constants = {
        "company_id": company.id,
        "origin": Customer.Origin.IMPORT.value,
        "created_at": now,
        "updated_at": now,
    }
    defaults = {f.name: f.get_default() for f in fields}
    names = [f.name if f.column != "company_id" else "company_id" for f in fields]
    bulk.insert_rows(
        Customer._meta.db_table,
        columns,
        (
            tuple(constants[n] if n in constants else row.get(n, defaults.get(n)) for n in names)
            for row in rows
        ),
    )
