"""The statement of account sent to a customer: its open items at a date, on the letterhead.

What the customer owes at the date — each open invoice and each unapplied
credit or payment with its open amount, due date and days late, the total, the
part overdue and the aged buckets — optionally with the movements of a period,
in the customer's language, on the company's letterhead (SIREN, address, bank
details) with the legal mentions on late payment. The same document is
attached to the reminders. Open amounts and buckets are the core's, through
``reports.statement``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.template.loader import render_to_string

from creditpilot.companies.models import Company
from creditpilot.core.aging import BUCKETS, Buckets
from creditpilot.core.formats import LANGUAGES, date_text, money_text, short_date
from creditpilot.customers.models import Customer
from creditpilot.reports.pdf import html_to_pdf
from creditpilot.reports.statement import StatementLine, statement

LEGAL_MENTIONS = {
    "fr": (
        "Conformément à l'article L441-10 du Code de commerce, tout retard de paiement entraîne "
        "de plein droit des pénalités de retard au taux d'intérêt appliqué par la Banque "
        "centrale européenne à son opération de refinancement la plus récente, majoré de "
        "10 points, ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 euros "
        "par facture, sans préjudice d'une indemnisation complémentaire sur justificatifs."
    ),
    "en": (
        "Under article L441-10 of the French Commercial Code, any late payment automatically "
        "bears late-payment interest at the rate of the European Central Bank's most recent "
        "refinancing operation plus 10 percentage points, and a fixed recovery indemnity of "
        "40 euros per invoice, without prejudice to further compensation on evidence."
    ),
}
WORDS: dict[str, dict[str, Any]] = {
    "fr": {
        "title": "Relevé de compte",
        "as_of": "au",
        "customer": "Client",
        "open_items": "Pièces non soldées",
        "movements": "Mouvements du {start} au {end}",
        "date": "Date",
        "document": "Pièce",
        "label": "Libellé",
        "due": "Échéance",
        "amount": "Montant",
        "debit": "Débit",
        "credit": "Crédit",
        "open": "Reste dû",
        "late": "Jours de retard",
        "total": "Total dû",
        "overdue": "dont échu",
        "not_due": "dont non échu",
        "aging": "Ancienneté des sommes dues",
        "buckets": [
            "Non échu",
            "1 à 30 jours",
            "31 à 60 jours",
            "61 à 90 jours",
            "Plus de 90 jours",
        ],
        "unapplied": "Crédits non imputés",
        "nothing": "Aucune pièce non soldée à cette date.",
        "pay": "Règlement par virement",
        "pay_note": "Merci de rappeler les numéros de pièce avec votre règlement.",
        "phone": "Tél.",
        "page": "Page",
        "kinds": {
            "invoice": "Facture",
            "credit_note": "Avoir",
            "payment": "Règlement",
            "debit": "Autre débit",
            "credit": "Autre crédit",
        },
    },
    "en": {
        "title": "Statement of account",
        "as_of": "as of",
        "customer": "Customer",
        "open_items": "Open items",
        "movements": "Movements from {start} to {end}",
        "date": "Date",
        "document": "Document",
        "label": "Label",
        "due": "Due date",
        "amount": "Amount",
        "debit": "Debit",
        "credit": "Credit",
        "open": "Open",
        "late": "Days late",
        "total": "Total due",
        "overdue": "of which overdue",
        "not_due": "of which not yet due",
        "aging": "Ageing of the amounts due",
        "buckets": ["Not due", "1-30 days", "31-60 days", "61-90 days", "Over 90 days"],
        "unapplied": "Unapplied credits",
        "nothing": "No open item at this date.",
        "pay": "Payment by bank transfer",
        "pay_note": "Please quote the document numbers with your payment.",
        "phone": "Phone",
        "page": "Page",
        "kinds": {
            "invoice": "Invoice",
            "credit_note": "Credit note",
            "payment": "Payment",
            "debit": "Other debit",
            "credit": "Other credit",
        },
    },
}


@dataclass(frozen=True)
class StatementDocument:
    company: Company
    customer: Customer
    as_of: date
    since: date | None
    open_items: list[StatementLine]
    movements: list[StatementLine]  # of the period, when ``since`` is given
    buckets: Buckets

    @property
    def total(self) -> int:
        return self.buckets.total

    @property
    def overdue(self) -> int:
        return self.buckets.overdue


def open_items_statement(
    company: Company, customer_code: str, as_of: date, since: date | None = None
) -> StatementDocument:
    """The customer's open items at ``as_of`` (and its movements from ``since``, if given)."""
    st = statement(company, customer_code, as_of)
    movements = [line for line in st.lines if since is not None and line.date >= since]
    return StatementDocument(
        company, st.customer, as_of, since, st.open_lines, movements, st.buckets
    )


def statement_language(customer: Customer, language: str | None = None) -> str:
    chosen = language or customer.language
    return chosen if chosen in LANGUAGES else "fr"


def statement_html(doc: StatementDocument, language: str) -> str:
    words = WORDS[language if language in WORDS else "fr"]
    currency = doc.company.currency

    def money(cents: int) -> str:
        return money_text(cents, currency, language)

    def row(line: StatementLine) -> dict[str, Any]:
        return {
            "date": short_date(line.date, language),
            "kind": words["kinds"].get(line.kind, line.kind),
            "number": line.number,
            # the label, when it says more than the kind and the number
            "label": "" if line.number and line.number in line.label else line.label,
            "due": short_date(line.due_date, language) if line.due_date else "",
            "amount": money(line.amount),
            "debit": money(line.amount) if line.amount > 0 else "",
            "credit": money(-line.amount) if line.amount < 0 else "",
            "open": money(line.open_amount),
            "late": line.days_past_due if (line.days_past_due or 0) > 0 else "",
        }

    buckets = [
        (label, money(doc.buckets.cents[name]))
        for label, name in zip(words["buckets"], BUCKETS, strict=True)
    ]
    if doc.buckets.cents["unapplied"]:
        buckets.append((words["unapplied"], money(doc.buckets.cents["unapplied"])))
    return render_to_string(
        "reports/open_items.html",
        {
            "lang": language,
            "w": words,
            "company": doc.company,
            "customer": doc.customer,
            "as_of": date_text(doc.as_of, language),
            "open_items": (rows := [row(line) for line in doc.open_items]),
            "labels": any(r["label"] for r in rows),
            "movements": [row(line) for line in doc.movements],
            "movements_title": words["movements"].format(
                start=date_text(doc.since, language), end=date_text(doc.as_of, language)
            )
            if doc.since
            else "",
            "total": money(doc.total),
            "overdue": money(doc.overdue),
            "not_due": money(doc.total - doc.overdue),
            "buckets": buckets,
            "legal": doc.company.legal_mentions or LEGAL_MENTIONS[language],
        },
    )


def statement_document_pdf(doc: StatementDocument, language: str) -> bytes:
    return html_to_pdf(statement_html(doc, language))


def statement_file_name(doc: StatementDocument, language: str) -> str:
    word = "releve" if language == "fr" else "statement"
    code = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in doc.customer.code)
    return f"{word}-{code}-{doc.as_of.isoformat()}.pdf"
