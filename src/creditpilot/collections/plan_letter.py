"""The payment plan's letter, for both parties to sign, in the customer's language (PDF)."""

from __future__ import annotations

from typing import Any

from creditpilot.collections.models import PaymentPlan, Promise
from creditpilot.core.formats import date_text, money_text, short_date
from creditpilot.reports import statement_pdf as pdf
from creditpilot.reports.statement_document import LEGAL_MENTIONS

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Échéancier de paiement",
        "agreed": "Convenu le {day}",
        "customer": "Client",
        "phone": "Tél.",
        "items": "Pièces concernées",
        "number": "Pièce",
        "date": "Date",
        "amount": "Montant",
        "instalments": "Échéances",
        "due": "À payer le",
        "interest": "dont intérêts convenus : {amount}",
        "total": "Total de l'échéancier : {amount}",
        "terms": (
            "Tant que les échéances ci-dessus sont respectées, nous suspendons toute relance "
            "sur ces pièces. Une échéance non réglée à sa date rend le solde immédiatement "
            "exigible et met fin au présent échéancier."
        ),
        "sign_company": "Pour {name}",
        "sign_customer": "Pour {name}, bon pour accord",
        "signature": "Date et signature",
        "page": "Page",
    },
    "en": {
        "title": "Payment plan",
        "agreed": "Agreed on {day}",
        "customer": "Customer",
        "phone": "Phone",
        "items": "Documents covered",
        "number": "Document",
        "date": "Date",
        "amount": "Amount",
        "instalments": "Instalments",
        "due": "Due on",
        "interest": "of which agreed interest: {amount}",
        "total": "Total of the plan: {amount}",
        "terms": (
            "As long as the instalments above are paid, we suspend any reminder on these "
            "documents. An instalment unpaid on its date makes the balance due at once and "
            "ends this plan."
        ),
        "sign_company": "For {name}",
        "sign_customer": "For {name}, agreed",
        "signature": "Date and signature",
        "page": "Page",
    },
}


def instalments_of(plan: PaymentPlan) -> list[tuple[Promise, int]]:
    """Each instalment with its own amount (the running totals' differences), in date order."""
    rows, before = [], 0
    for promise in plan.instalments.order_by("promised_date", "id"):
        rows.append((promise, promise.amount - before))
        before = promise.amount
    return rows


def plan_letter_pdf(plan: PaymentPlan, language: str) -> bytes:
    lang = language if language in WORDS else "fr"
    w = WORDS[lang]
    company, customer = plan.company, plan.customer
    st = pdf.Styles()

    def money(cents: int) -> str:
        return money_text(cents, company.currency, lang)

    rows = instalments_of(plan)
    items = rows[0][0].items.order_by("date", "number") if rows else []
    story: list[Any] = [
        pdf.letterhead(st, company, customer, w["customer"], w["phone"]),
        pdf.spacer(8),
        pdf.Paragraph(pdf.text(w["title"]), st.title),
        pdf.Paragraph(pdf.text(w["agreed"].format(day=date_text(plan.agreed_on, lang))), st.meta),
        pdf.Paragraph(pdf.text(w["items"]), st.heading),
        pdf.spacer(1.5),
        pdf.table(
            st,
            [w["number"], w["date"], w["amount"]],
            [[d.number, short_date(d.date, lang), money(d.amount)] for d in items],
            [0.4, 0.3, 0.3],
            numeric_from=2,
        ),
        pdf.Paragraph(pdf.text(w["instalments"]), st.heading),
        pdf.spacer(1.5),
        pdf.table(
            st,
            ["#", w["due"], w["amount"]],
            [
                [str(n), date_text(p.promised_date, lang), money(cents)]
                for n, (p, cents) in enumerate(rows, start=1)
            ],
            [0.1, 0.6, 0.3],
            numeric_from=2,
        ),
        pdf.spacer(2),
        pdf.Paragraph(pdf.text(w["total"].format(amount=money(plan.total))), st.body),
    ]
    if plan.interest:
        story.append(
            pdf.Paragraph(pdf.text(w["interest"].format(amount=money(plan.interest))), st.body)
        )
    story += [
        pdf.spacer(4),
        pdf.Paragraph(pdf.text(w["terms"]), st.body),
        pdf.spacer(10),
        pdf.Table(
            [
                [
                    pdf.Paragraph(pdf.text(w["sign_company"].format(name=company.name)), st.body),
                    pdf.Paragraph(pdf.text(w["sign_customer"].format(name=customer.name)), st.body),
                ],
                [
                    pdf.Paragraph(pdf.text(w["signature"]), st.meta),
                    pdf.Paragraph(pdf.text(w["signature"]), st.meta),
                ],
            ],
            colWidths=[0.5 * pdf.WIDTH, 0.5 * pdf.WIDTH],
            rowHeights=[None, 25 * pdf.mm],
        ),
        pdf.spacer(5),
        pdf.Paragraph(pdf.text(company.legal_mentions or LEGAL_MENTIONS[lang]), st.legal),
    ]
    footer = company.name + (f" – SIREN {company.siren}" if company.siren else "")
    return pdf.render(story, f"{w['title']} – {customer.name}", company.name, footer, w["page"])
