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

import ctypes
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context
from typing import Any, TypeVar

from creditpilot.companies.models import Company
from creditpilot.core.aging import BUCKETS, Buckets
from creditpilot.core.formats import LANGUAGES, date_text, money_text, short_date
from creditpilot.customers.models import Customer
from creditpilot.reports import statement_pdf as pdf
from creditpilot.reports.statement import StatementLine, statement

K = TypeVar("K")
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


def _rows(doc: StatementDocument, language: str) -> dict[str, Any]:
    """The document's words, amounts and dates as said in ``language``."""
    words = WORDS[language if language in WORDS else "fr"]
    currency = doc.company.currency

    def money(cents: int) -> str:
        return money_text(cents, currency, language)

    def row(line: StatementLine) -> dict[str, Any]:
        return {
            "date": short_date(line.date, language),
            "document": f"{words['kinds'].get(line.kind, line.kind)} {line.number}".strip(),
            # the label, when it says more than the kind and the number
            "label": "" if line.number and line.number in line.label else line.label,
            "due": short_date(line.due_date, language) if line.due_date else "",
            "amount": money(line.amount),
            "debit": money(line.amount) if line.amount > 0 else "",
            "credit": money(-line.amount) if line.amount < 0 else "",
            "open": money(line.open_amount),
            "late": str(line.days_past_due) if (line.days_past_due or 0) > 0 else "",
        }

    buckets = [
        (label, money(doc.buckets.cents[name]))
        for label, name in zip(words["buckets"], BUCKETS, strict=True)
    ]
    if doc.buckets.cents["unapplied"]:
        buckets.append((words["unapplied"], money(doc.buckets.cents["unapplied"])))
    return {
        "w": words,
        "open_items": [row(line) for line in doc.open_items],
        "movements": [row(line) for line in doc.movements],
        "total": money(doc.total),
        "overdue": money(doc.overdue),
        "not_due": money(doc.total - doc.overdue),
        "buckets": buckets,
        "legal": doc.company.legal_mentions or LEGAL_MENTIONS[language],
    }


def statement_document_pdf(doc: StatementDocument, language: str) -> bytes:
    """The statement on the company's letterhead, in ``language``."""
    v = _rows(doc, language)
    w = v["w"]
    company, customer = doc.company, doc.customer
    st = pdf.Styles()
    head = pdf.letterhead(st, company, customer, w["customer"], w["phone"])
    as_of = date_text(doc.as_of, language)
    story: list[Any] = [
        head,
        pdf.spacer(8),
        pdf.Paragraph(pdf.text(w["title"]), st.title),
        pdf.Paragraph(pdf.text(f"{w['as_of']} {as_of}"), st.meta),
        pdf.Paragraph(pdf.text(w["open_items"]), st.heading),
        pdf.spacer(1.5),
    ]
    if v["open_items"]:
        labels = any(r["label"] for r in v["open_items"])
        keys = ["date", "document", *(["label"] if labels else []), "due", "amount", "open", "late"]
        header = [w[k] for k in keys]
        widths = (
            [0.11, 0.22, 0.21, 0.11, 0.13, 0.13, 0.09]
            if labels
            else [0.12, 0.30, 0.12, 0.17, 0.17, 0.12]
        )
        rows = [[r[k] for k in keys] for r in v["open_items"]]
        story.append(pdf.table(st, header, rows, widths, numeric_from=len(keys) - 3))
    else:
        story.append(pdf.Paragraph(pdf.text(w["nothing"]), st.body))
    totals = pdf.Table(
        [
            [
                pdf.Paragraph(
                    pdf.text(w["total"]),
                    pdf.ParagraphStyle("t", st.body, fontName=st.bold, fontSize=10, leading=12),
                ),
                pdf.Paragraph(
                    pdf.text(v["total"]),
                    pdf.ParagraphStyle("tn", st.number, fontName=st.bold, fontSize=10, leading=12),
                ),
            ],
            [
                pdf.Paragraph(pdf.text(w["overdue"]), st.body),
                pdf.Paragraph(pdf.text(v["overdue"]), st.number),
            ],
            [
                pdf.Paragraph(pdf.text(w["not_due"]), st.body),
                pdf.Paragraph(pdf.text(v["not_due"]), st.number),
            ],
        ],
        colWidths=[0.7 * pdf.WIDTH, 0.3 * pdf.WIDTH],
    )
    totals.setStyle(
        pdf.TableStyle(
            [
                ("LINEABOVE", (0, 0), (-1, 0), 1, pdf.colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    story += [
        pdf.spacer(2),
        totals,
        pdf.Paragraph(pdf.text(w["aging"]), st.heading),
        pdf.spacer(1.5),
    ]
    share = 1 / len(v["buckets"])
    story.append(
        pdf.table(
            st,
            [label for label, _ in v["buckets"]],
            [[value for _, value in v["buckets"]]],
            [share] * len(v["buckets"]),
            numeric_from=0,
        )
    )
    if doc.since:
        title = w["movements"].format(start=date_text(doc.since, language), end=as_of)
        keys = ["date", "document", "label", "due", "debit", "credit"]
        story += [
            pdf.Paragraph(pdf.text(title), st.heading),
            pdf.spacer(1.5),
            pdf.table(
                st,
                [w[k] for k in keys],
                [[r[k] for k in keys] for r in v["movements"]],
                [0.11, 0.22, 0.25, 0.12, 0.15, 0.15],
                numeric_from=4,
            ),
        ]
    if company.iban:
        bank = f"IBAN {company.iban}" + (f" – BIC {company.bic}" if company.bic else "")
        story += [
            pdf.spacer(5),
            pdf.boxed(
                [
                    pdf.Paragraph(
                        f"<font name='{st.bold}'>{pdf.text(w['pay'])}</font> – {pdf.text(bank)}"
                        f"<br/>{pdf.text(w['pay_note'])}",
                        st.body,
                    )
                ]
            ),
        ]
    story += [pdf.spacer(5), pdf.Paragraph(pdf.text(v["legal"]), st.legal)]
    footer = company.name + (f" – SIREN {company.siren}" if company.siren else "")
    return pdf.render(story, f"{w['title']} – {customer.name}", company.name, footer, w["page"])


def statement_pdfs(
    items: Iterable[tuple[K, StatementDocument, str]],
) -> Iterator[tuple[K, bytes]]:
    """Many statements, each ``(key, document, language)``, rendered on the machine's cores and
    given back in order as soon as each is ready, so that the caller goes on (sends the first
    emails) while the rest render. ``items`` is read a few documents ahead in the caller's
    thread (it may query the database); stopping early cancels what had not started."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2:
        for key, doc, language in items:
            yield key, statement_document_pdf(doc, language)
        return
    pdf.fonts()  # registered before the fork: each worker inherits them
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("fork"), initializer=_die_with_parent
    )
    ahead: deque[tuple[K, Future[bytes]]] = deque()
    try:
        for key, doc, language in items:
            ahead.append((key, pool.submit(statement_document_pdf, doc, language)))
            if len(ahead) > workers * 4:
                first, future = ahead.popleft()
                yield first, future.result()
        while ahead:
            first, future = ahead.popleft()
            yield first, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _die_with_parent() -> None:
    """A worker ends with the process that started it, even one killed outright (``kill -9``
    of a run): it would otherwise wait for work forever (Linux; elsewhere nothing)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before the line above
            os._exit(0)


PR_SET_PDEATHSIG = 1


def statement_file_name(doc: StatementDocument, language: str) -> str:
    word = "releve" if language == "fr" else "statement"
    code = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in doc.customer.code)
    return f"{word}-{code}-{doc.as_of.isoformat()}.pdf"
