"""Financial statements in the store: imported from a file or entered by a person on the
customer page, read by the core's scores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from creditpilot.audit.services import Actor, record
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError, RowError
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


# figures a statement never gives below zero (equity, results and value added may be)
NON_NEGATIVE = frozenset(
    {
        "total_assets",
        "current_assets",
        "inventories",
        "cash",
        "total_liabilities",
        "short_term_liabilities",
        "sales",
        "financial_charges",
        "staff_costs",
    }
)
# a figure above a thousand billion euros is a typing error (and the store's integers end at 9e18)
MAX_CENTS = 10**17


@dataclass(frozen=True)
class StatementSaved:
    statement: StoredStatement
    created: bool
    changed: bool


def statement_problems(values: Mapping[str, object], today: date) -> dict[str, str]:
    """What is wrong with a statement typed by a person, by field: ``{field: code}``.

    >>> statement_problems({"year_end": date(2027, 1, 1), "total_assets": -1}, date(2026, 6, 30))
    {'year_end': 'future_year_end', 'total_assets': 'negative_figure'}
    >>> statement_problems({"year_end": date(2025, 12, 31)}, date(2026, 6, 30))
    {'__all__': 'no_figure'}
    """
    problems: dict[str, str] = {}
    year_end = values.get("year_end")
    if not isinstance(year_end, date):
        problems["year_end"] = "missing_year_end"
    elif year_end > today:
        problems["year_end"] = "future_year_end"
    given = 0
    for name in FIGURES:
        value = values.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            problems[name] = "bad_amount"
        elif abs(value) >= MAX_CENTS:
            problems[name] = "amount_too_large"
        elif value < 0 and name in NON_NEGATIVE:
            problems[name] = "negative_figure"
        else:
            given += 1
    if not given and not any(name in problems for name in FIGURES):
        problems["__all__"] = "no_figure"
    unknown = sorted(set(values) - {"year_end", *FIGURES})
    if unknown:
        problems["__all__"] = "unknown_figure"
    return problems


def _figures_of(stored: StoredStatement | None) -> dict[str, int | None]:
    return {name: getattr(stored, name) if stored else None for name in FIGURES}


def _own_customer(company: Company, customer: Customer) -> None:
    if customer.company_id != company.pk:
        raise NotFoundError("unknown_customer", f"no customer {customer.code!r} in {company.code}")


def do_save_statement(
    company: Company,
    customer: Customer,
    values: Mapping[str, object],
    actor: Actor,
    today: date | None = None,
) -> StatementSaved:
    """Add a customer's statement of a fiscal year, or change the one of that year end.

    ``values``: ``year_end`` (a date, not after ``today``) and the figures of
    ``core.financials.FIGURES`` in cents (``None`` or absent: not given; a figure left out
    of a statement that exists is emptied). Refused as a whole (``InvalidInputError`` with
    ``problems``, by field) when anything is wrong; the change and its audit are one
    transaction.
    """
    _own_customer(company, customer)
    problems = statement_problems(values, today or timezone.localdate())
    if problems:
        raise InvalidInputError(
            "bad_statement", f"statement refused: {problems}", problems=problems
        )
    year_end = values["year_end"]
    assert isinstance(year_end, date)
    after = {name: values.get(name) for name in FIGURES}  # checked above: cents or None
    with transaction.atomic():
        stored = (
            StoredStatement.objects.select_for_update()
            .filter(company=company, customer=customer, year_end=year_end)
            .first()
        )
        before = _figures_of(stored)
        changed = {name for name in FIGURES if before[name] != after[name]}
        if stored is not None and not changed:
            return StatementSaved(stored, created=False, changed=False)
        created = stored is None
        if stored is None:
            stored = StoredStatement.objects.create(
                company=company,
                customer=customer,
                year_end=year_end,
                created_by=actor.username,
                **after,
            )
        else:
            for name in changed:
                setattr(stored, name, after[name])
            stored.save(update_fields=[*sorted(changed), "updated_at"])
        shown = [name for name in FIGURES if name in changed]
        record(
            "statement_saved",
            company_id=company.pk,
            actor=actor,
            object_type="customer",
            object_ref=customer.code,
            # a statement added had no year end before
            before={
                **({} if created else {"year_end": year_end.isoformat()}),
                **{n: before[n] for n in shown},
            },
            after={"year_end": year_end.isoformat(), **{n: after[n] for n in shown}},
        )
    return StatementSaved(stored, created=created, changed=True)


def do_delete_statement(company: Company, customer: Customer, year_end: date, actor: Actor) -> bool:
    """Remove a customer's statement of a year end (False: there was none); audited."""
    _own_customer(company, customer)
    with transaction.atomic():
        stored = (
            StoredStatement.objects.select_for_update()
            .filter(company=company, customer=customer, year_end=year_end)
            .first()
        )
        if stored is None:
            return False
        before = _figures_of(stored)
        stored.delete()
        record(
            "statement_deleted",
            company_id=company.pk,
            actor=actor,
            object_type="customer",
            object_ref=customer.code,
            before={
                "year_end": year_end.isoformat(),
                **{n: v for n, v in before.items() if v is not None},
            },
        )
    return True


def statements_of(customer: Customer, limit: int = 20) -> list[StoredStatement]:
    """A customer's statements, the latest year first."""
    return list(StoredStatement.objects.filter(customer=customer).order_by("-year_end")[:limit])
