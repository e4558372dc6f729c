"""Customers: the list (fast at 100,000 customers, filters, sort, export) and the customer page."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from openpyxl import Workbook

from creditpilot.accounts.audit import actor_of, record
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.audit.models import AuditEvent
from creditpilot.collections.interest import interest_report
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.financials import FIGURES
from creditpilot.core.money import format_cents
from creditpilot.core.terms_text import describe_terms
from creditpilot.core.text import search_key
from creditpilot.customers.models import Customer, Note
from creditpilot.forecast.services import customer_predictions
from creditpilot.receivables.customers import do_update_customer
from creditpilot.reports.models import PositionSnapshot
from creditpilot.reports.positions import positions
from creditpilot.reports.statement import statement
from creditpilot.reports.statement_document import (
    open_items_statement,
    statement_document_pdf,
    statement_file_name,
    statement_language,
)
from creditpilot.risk.behaviour import driver_texts, latest_score
from creditpilot.risk.financials import (
    do_delete_statement,
    do_save_statement,
    latest_statement,
    statement_scores,
    statements_of,
)
from creditpilot.risk.models import FinancialStatement as StoredStatement
from creditpilot.risk.models import RiskScore
from creditpilot.web.access import company_view
from creditpilot.web.decisions import customer_decisions
from creditpilot.web.dunning import collection_profile, collector_choices, timeline_rows
from creditpilot.web.forms import (
    CustomerForm,
    NoteForm,
    StatementForm,
    amount_in_form,
    terms_in_form,
)
from creditpilot.web.limits import limit_context
from creditpilot.web.plans import customer_cases, customer_plans
from creditpilot.web.templatetags.cp import amount, day
from creditpilot.web.views import as_of_of, bucket_labels, scoped_positions
from creditpilot.web.wording import STATEMENT_ACTIONS, changes_text, statement_change_text

PAGE_SIZE = 50
SORTS = {
    "code": ("code",),
    "name": ("name", "code"),
    # ties broken by the customer's key: the index on (snapshot, amount) serves the sort
    "total": ("total", "customer_id"),
    "not_due": ("not_due", "customer_id"),
    "overdue": ("overdue", "customer_id"),
    "over_90": ("over_90", "customer_id"),
    "unapplied": ("unapplied", "customer_id"),
    "credit_limit": ("credit_limit", "customer_id"),
    "usage": ("limit_usage", "customer_id"),
}
BUCKET_FILTERS = {
    "not_due": "not_due",
    "1_30": "d1_30",
    "31_60": "d31_60",
    "61_90": "d61_90",
    "over_90": "over_90",
    "overdue": "overdue",
}
# limit filters: over the limit, or no limit set
LIMIT_FILTERS = {
    "over": Q(credit_limit__isnull=False, total__gt=F("credit_limit")),
    "none": Q(credit_limit__isnull=True),
}
EXPORT_COLUMNS = [
    "code",
    "name",
    "siren",
    "segment",
    "sales_rep",
    "rating",
    "payment_terms",
    "credit_limit",
    "total",
    "not_due",
    "1_30",
    "31_60",
    "61_90",
    "over_90",
    "unapplied",
]


NULLABLE = {"credit_limit", "limit_usage"}


def _ordering(column: str, descending: bool) -> Any:
    """A column's ordering; customers without a limit come last both ways."""
    if column in NULLABLE:
        return F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    return f"-{column}" if descending else column


def _filtered(
    request: HttpRequest, scope: Scope
) -> tuple[QuerySet[Any], dict[str, str], PositionSnapshot]:
    snap = positions(scope.company, as_of_of(request))
    qs = scoped_positions(scope, snap)
    f = {
        k: request.GET.get(k, "").strip()
        for k in ("q", "segment", "rep", "bucket", "rating", "limit", "sort")
    }
    key = search_key(f["q"])
    if key:
        # the query unaccented and case-folded, like the stored key: same on SQLite and PostgreSQL
        qs = qs.filter(search__contains=key)
    if f["segment"]:
        qs = qs.filter(segment=f["segment"])
    if f["rep"] and not scope.own_customers_only:
        qs = qs.filter(sales_rep=f["rep"])
    if f["rating"]:
        qs = qs.filter(rating=f["rating"])
    if f["bucket"] in BUCKET_FILTERS:
        qs = qs.filter(**{f"{BUCKET_FILTERS[f['bucket']]}__gt": 0})
    elif f["bucket"] == "unapplied":
        qs = qs.filter(unapplied__lt=0)  # payments not matched to an invoice: credits
    if f["limit"] in LIMIT_FILTERS:
        qs = qs.filter(LIMIT_FILTERS[f["limit"]])
    key = f["sort"].lstrip("-")
    if key not in SORTS:
        f["sort"] = key = "code"
    descending = f["sort"].startswith("-")
    qs = qs.order_by(*[_ordering(c, descending) for c in SORTS[key]])
    return qs, f, snap


@company_view()
def customer_list(request: HttpRequest, scope: Scope) -> HttpResponse:
    qs, f, snap = _filtered(request, scope)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return _export(scope, qs, export)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _with_terms(page, scope)
    choices = snap.kpis.get("_choices", {})
    context = {
        "page": page,
        "filters": f,
        "segments": choices.get("segment", [])[:500],
        "reps": [] if scope.own_customers_only else choices.get("sales_rep", [])[:500],
        "ratings": choices.get("rating", [])[:50],
        "bucket_choices": [(k, v) for k, v in bucket_labels().items() if k != "unapplied"]
        + [("overdue", _("Overdue")), ("unapplied", _("Unapplied cash"))],
        "limit_choices": [("over", _("Over the limit")), ("none", _("No limit set"))],
        "as_of": as_of_of(request),
    }
    return render(request, "web/customers.html", context)


def _with_terms(page: Any, scope: Scope) -> None:
    """Each listed position with its customer's terms (``terms``), or the company's default
    when the customer has none: one query for the page."""
    rows = list(page.object_list)
    own = dict(
        Customer.objects.filter(
            company=scope.company, pk__in=[p.customer_id for p in rows]
        ).values_list("pk", "payment_terms")
    )
    for p in rows:
        p.terms = own.get(p.customer_id) or scope.company.default_terms
        p.default_terms = not own.get(p.customer_id)
    page.object_list = rows


def _export_headers() -> list[str]:
    """The columns' names in the reader's words (French), or the stable codes (English)."""
    if not _is_french():
        return EXPORT_COLUMNS
    return [
        _("Code"),
        _("Name"),
        "SIREN",
        _("Segment"),
        _("Sales rep"),
        _("Rating"),
        _("Payment terms"),
        _("Credit limit"),
        _("Balance"),
        *bucket_labels().values(),
    ]


def _is_french() -> bool:
    return (get_language() or "fr").startswith("fr")


def _export_rows(qs: QuerySet[Any], french: bool) -> Any:
    """Each customer's row; amounts as exact decimal strings (comma in French), terms in words
    in French (which the customers import reads back)."""

    def amount(cents: int) -> str:
        text = format_cents(cents)
        return text.replace(".", ",") if french else text

    for p in qs.select_related("customer").iterator(chunk_size=5000):
        c = p.customer
        yield [
            c.code,
            c.name,
            c.siren,
            c.segment,
            c.sales_rep,
            c.rating,
            describe_terms(c.payment_terms, "fr")
            if french and c.payment_terms
            else c.payment_terms,
            amount(c.credit_limit) if c.credit_limit is not None else "",
            amount(p.total),
            amount(p.not_due),
            amount(p.d1_30),
            amount(p.d31_60),
            amount(p.d61_90),
            amount(p.over_90),
            amount(p.unapplied),
        ]


def _csv(qs: QuerySet[Any]) -> bytes:
    """In French, what a French Excel opens as it is: semicolons, decimal commas, UTF-8 with BOM."""
    french = _is_french()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if french else ",")
    writer.writerow(_export_headers())
    writer.writerows(_export_rows(qs, french))
    return (buffer.getvalue()).encode("utf-8-sig" if french else "utf-8")


def _xlsx(qs: QuerySet[Any]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Customers"))
    sheet.append(_export_headers())
    for row in _export_rows(qs, french=False):
        sheet.append([Decimal(v) if i >= 7 and v != "" else v for i, v in enumerate(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _export(scope: Scope, qs: QuerySet[Any], kind: str) -> HttpResponse:
    name = f"{_('customers')}-{scope.company.code}"
    if kind == "csv":
        response = HttpResponse(_csv(qs), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slugify(name)}.csv"'
        return response
    response = HttpResponse(
        _xlsx(qs),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{slugify(name)}.xlsx"'
    return response


def _customer_context(request: HttpRequest, scope: Scope, customer: Customer) -> dict[str, Any]:
    as_of = as_of_of(request)
    st = statement(scope.company, customer.code, as_of)
    exposure = st.buckets.total
    limit = customer.credit_limit
    # the share of the limit in use, a fraction (shown as a percentage in the reader's style)
    usage = Decimal(exposure) / Decimal(limit) if limit else None
    payments = [line for line in st.lines if line.amount < 0 and line.kind == "payment"][-50:][::-1]
    notes = list(Note.objects.filter(customer=customer)[:100])
    events = list(
        AuditEvent.objects.filter(
            company=scope.company, object_type="customer", object_ref=customer.code
        )[:100]
    )
    timeline: list[dict[str, Any]] = []
    for n in notes:
        timeline.append({"at": n.created_at, "kind": "note", "who": n.author, "text": n.text})
    for e in events:
        if e.action in STATEMENT_ACTIONS:
            text = statement_change_text(e, scope.company.currency)
            timeline.append({"at": e.at, "kind": "statement", "who": e.username, "text": text})
            continue
        changes = changes_text(e.before, e.after, scope.company.currency)
        timeline.append({"at": e.at, "kind": "change", "who": e.username, "text": changes})
    timeline.sort(key=lambda t: t["at"], reverse=True)
    labels = bucket_labels()
    return {
        "customer": customer,
        "as_of": as_of,
        "statement": st,
        "open_lines": st.open_lines,
        "open_rows": _with_predictions(customer, as_of, st.open_lines),
        "buckets": [(labels[b], st.buckets.cents[b]) for b in labels],
        "exposure": exposure,
        "usage": usage,
        "terms": customer.payment_terms or scope.company.default_terms,
        "payments": payments,
        "timeline": timeline,
        "dunning": timeline_rows(scope, customer),
        "collectors": collector_choices(scope),
        "late": _late_charges(scope, customer, as_of),
        "risk": _risk(customer, as_of),
        "limits": limit_context(scope, customer),
        "escalation": customer_decisions(scope, customer),
        "payment_plans": customer_plans(scope, customer),
        "cases": customer_cases(scope, customer),
        "collection": collection_profile(customer),
        "statements": _statement_rows(customer),
        "statement_form": StatementForm(),
        "can_edit": scope.can(Action.EDIT_CUSTOMER),
        "can_note": scope.can(Action.NOTE),
    }


def _with_predictions(customer: Customer, as_of: date, lines: list[Any]) -> list[dict[str, Any]]:
    """Each open line with its predicted payment (the kept forecast's), matched on the
    invoice's number, date and amount."""
    predicted = {
        (p.invoice.number, p.invoice.date, p.invoice.amount): p
        for p in customer_predictions(customer, as_of).values()
    }
    return [
        {"line": line, "predicted": predicted.get((line.number, line.date, line.amount))}
        for line in lines
    ]


def _statement_rows(customer: Customer) -> list[dict[str, Any]]:
    """The customer's financial statements, latest year first, each with its two scores."""
    rows = []
    for stored in statements_of(customer):
        altman, conan = statement_scores(stored)
        rows.append({"statement": stored, "altman": altman, "conan": conan})
    return rows


CONTACT_FIELDS = ("email", "phone", "address", "language")


def _risk(customer: Customer, as_of: date) -> dict[str, Any] | None:
    """The customer's last score: its rating, probability and reasons in the reader's language."""
    score = latest_score(customer, as_of)
    statement = latest_statement(customer)
    if score is None and statement is None:
        return None
    altman, conan = statement_scores(statement) if statement else (None, None)
    history = list(
        RiskScore.objects.filter(customer=customer, day__lte=as_of)
        .order_by("-day")
        .values_list("day", "score")[:90]
    )[::-1]
    return {
        "history": {"days": [d.isoformat() for d, _ in history], "scores": [s for _, s in history]},
        "score": score,
        "pd": score.pd if score else None,
        "drivers": driver_texts(score.drivers, (get_language() or "fr")[:2]) if score else [],
        "statement": statement,
        "altman": altman,
        "conan": conan,
    }


def _late_charges(scope: Scope, customer: Customer, as_of: date) -> dict[str, int]:
    """The customer's late-payment interest and recovery indemnities at the page's date."""
    report = interest_report(scope.company, as_of, customer.pk)
    return {"interest": report.total_interest, "indemnity": report.total_indemnity}


def _customer_form(customer: Customer) -> CustomerForm:
    return CustomerForm(
        initial={
            "payment_terms": terms_in_form(customer.payment_terms),
            "credit_limit": amount(customer.credit_limit)
            if customer.credit_limit is not None
            else "",
            "segment": customer.segment,
            "sales_rep": customer.sales_rep,
            "rating": customer.rating,
            "email": customer.email,
            "phone": customer.phone,
            "address": customer.address,
            "language": customer.language,
        }
    )


def _statement_form(customer: Customer, year_end: str) -> StatementForm:
    """The statement form, filled with the statement of ``year_end`` when it exists (to edit)."""
    try:
        wanted = date.fromisoformat(year_end) if year_end else None
    except ValueError:
        wanted = None
    stored = (
        StoredStatement.objects.filter(customer=customer, year_end=wanted).first()
        if wanted
        else None
    )
    if stored is None:
        return StatementForm()
    initial: dict[str, Any] = {"year_end": stored.year_end}
    initial.update({name: amount_in_form(getattr(stored, name)) for name in FIGURES})
    return StatementForm(initial=initial)


@company_view()
def customer_detail(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    customer = scope.customer(code)
    context = _customer_context(request, scope, customer)
    context["form"] = _customer_form(customer)
    context["note_form"] = NoteForm()
    if context["can_edit"]:
        context["statement_form"] = _statement_form(customer, request.GET.get("statement", ""))
    return render(request, "web/customer.html", context)


@company_view(Action.EDIT_CUSTOMER, methods=("POST",))
def customer_edit(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    customer = scope.customer(code)
    form = CustomerForm(request.POST)
    if form.is_valid():
        # the contact fields change only when the form sent them (an older form does not)
        changes = {
            k: v
            for k, v in form.cleaned_data.items()
            if k not in CONTACT_FIELDS or (k in request.POST and (v or k != "language"))
        }
        changed = do_update_customer(
            scope.company, customer, changes, actor=actor_of(request.user, request)
        )
        messages.success(request, _("Customer saved.") if changed else _("Nothing changed."))
        return redirect("customer", company=scope.company.code, code=customer.code)
    context = _customer_context(request, scope, customer)
    context.update(form=form, note_form=NoteForm())
    return render(request, "web/customer.html", context, status=400)


@company_view(Action.NOTE, methods=("POST",))
def customer_note(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    customer = scope.customer(code)
    form = NoteForm(request.POST)
    if form.is_valid():
        Note.objects.create(
            company=scope.company,
            customer=customer,
            author=request.user.get_username(),
            text=form.cleaned_data["text"],
        )
        record(
            "note",
            user=request.user,
            company=scope.company,
            object_type="note",
            object_ref=customer.code,
            request=request,
        )
        return redirect("customer", company=scope.company.code, code=customer.code)
    context = _customer_context(request, scope, customer)
    context.update(form=CustomerForm(), note_form=form)
    return render(request, "web/customer.html", context, status=400)


@company_view()
def customer_statement(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    """The statement sent to the customer: its open items at the page's date, on the
    letterhead (``?since=`` adds the movements from that date; ``?language=fr|en``)."""
    customer = scope.customer(code)
    try:
        since = date.fromisoformat(request.GET["since"]) if request.GET.get("since") else None
    except ValueError:
        since = None
    language = request.GET.get("language") or None
    doc = open_items_statement(scope.company, customer.code, as_of_of(request), since=since)
    language = statement_language(customer, language if language in ("fr", "en") else None)
    response = HttpResponse(statement_document_pdf(doc, language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{statement_file_name(doc, language)}"'
    return response


# the risk layer's refusals of a statement, beside the field they are about
STATEMENT_PROBLEMS = {
    "missing_year_end": gettext_lazy("Give the year end."),
    "future_year_end": gettext_lazy("The year end cannot be in the future."),
    "negative_figure": gettext_lazy("This figure cannot be negative."),
    "amount_too_large": gettext_lazy("This amount is too large."),
    "bad_amount": gettext_lazy("Not an amount."),
    "no_figure": gettext_lazy("Give at least one figure."),
}


def _statements_url(scope: Scope, customer: Customer) -> str:
    return reverse("customer", args=[scope.company.code, customer.code]) + "#financial-statements"


@company_view(Action.EDIT_CUSTOMER, methods=("POST",))
def statement_save(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    """Add a fiscal year's financial statements, or change those of a year end already given."""
    customer = scope.customer(code)
    form = StatementForm(request.POST)
    if form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k == "year_end" or k in FIGURES}
        try:
            saved = do_save_statement(
                scope.company, customer, values, actor_of(request.user, request)
            )
        except InvalidInputError as err:
            problems = err.params.get("problems") or {"__all__": err.code}
            for field, problem in problems.items():
                form.add_error(
                    None if field == "__all__" else field,
                    str(STATEMENT_PROBLEMS.get(problem, err.message)),
                )
        else:
            shown = {"day": day(saved.statement.year_end)}
            if saved.created:
                text = _("Financial statements of the year ended %(day)s added.") % shown
            elif saved.changed:
                text = _("Financial statements of the year ended %(day)s saved.") % shown
            else:
                text = _("Nothing changed.")
            messages.success(request, text)
            return redirect(_statements_url(scope, customer))
    context = _customer_context(request, scope, customer)
    context.update(form=_customer_form(customer), note_form=NoteForm(), statement_form=form)
    return render(request, "web/customer.html", context, status=400)


@company_view(Action.EDIT_CUSTOMER, methods=("POST",))
def statement_delete(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    """Remove a fiscal year's financial statements."""
    customer = scope.customer(code)
    try:
        year_end = date.fromisoformat(request.POST.get("year_end", ""))
    except ValueError:
        year_end = None
    if year_end is not None and do_delete_statement(
        scope.company, customer, year_end, actor_of(request.user, request)
    ):
        messages.success(
            request,
            _("Financial statements of the year ended %(day)s deleted.") % {"day": day(year_end)},
        )
    else:
        messages.error(request, _("No financial statements of this year end to delete."))
    return redirect(_statements_url(scope, customer))
