"""The statement of claim as a document: the request for an order for payment (requête en
injonction de payer, articles 1405 and following of the Code de procédure civile) with
its statement of the debt, or the same statement for a formal notice or an insolvency
claim; in French, the language of the court (PDF, ReportLab)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from creditpilot.collections.litigation import Claim
from creditpilot.core.formats import date_text, money_text, short_date
from creditpilot.reports import statement_pdf as pdf

TITLES = {
    "collection_agency": "Dossier transmis au cabinet de recouvrement",
    "order_for_payment": "Requête en injonction de payer",
    "insolvency_claim": "Déclaration de créance",
    "formal_notice": "Mise en demeure — décompte de la créance",
}
DEFAULT_TITLE = "Décompte de la créance"
BASIS = (
    "Créance commerciale certaine, liquide et exigible, fondée sur les factures ci-dessous, "
    "restées impayées malgré les relances jointes. Pénalités de retard et indemnité "
    "forfaitaire pour frais de recouvrement de 40 euros par facture en application des "
    "articles L441-10 et D441-5 du Code de commerce, calculées jusqu'au {day}."
)
ORDER_FOR_PAYMENT = (
    "Le requérant demande qu'il soit enjoint au débiteur de lui payer la somme de {total}, "
    "en principal, pénalités et indemnités, ainsi que les dépens (articles 1405 et suivants "
    "du Code de procédure civile)."
)


def claim_pdf(claim: Claim) -> bytes:
    case = claim.case
    company, customer = case.company, case.customer
    st = pdf.Styles()

    def money(cents: int) -> str:
        return money_text(cents, company.currency, "fr")

    title = TITLES.get(case.stage, DEFAULT_TITLE)
    story: list[Any] = [
        pdf.letterhead(st, company, customer, "Débiteur", "Tél."),
        pdf.spacer(8),
        pdf.Paragraph(pdf.text(title), st.title),
        pdf.Paragraph(
            pdf.text(f"Dossier n° {case.pk} — au {date_text(claim.as_of, 'fr')}"), st.meta
        ),
        pdf.Paragraph(pdf.text("Décompte de la créance"), st.heading),
        pdf.spacer(1.5),
        pdf.table(
            st,
            ["Facture", "Date", "Échéance", "Principal", "Jours", "Pénalités", "Indemnité"],
            [
                [
                    line["number"],
                    short_date(line["date"], "fr"),
                    short_date(line["due_date"], "fr"),
                    money(line["open"]),
                    str(line["days_late"]),
                    money(line["interest"]),
                    money(line["indemnity"]),
                ]
                for line in claim.lines
            ],
            [0.18, 0.12, 0.12, 0.16, 0.08, 0.17, 0.17],
            numeric_from=3,
        ),
        pdf.spacer(2),
        pdf.Paragraph(pdf.text(f"Principal : {money(claim.principal)}"), st.body),
        pdf.Paragraph(pdf.text(f"Pénalités de retard : {money(claim.interest)}"), st.body),
        pdf.Paragraph(
            pdf.text(f"Indemnités forfaitaires de recouvrement : {money(claim.indemnity)}"),
            st.body,
        ),
        pdf.Paragraph(
            f"<font name='{st.bold}'>{pdf.text(f'Total : {money(claim.total)}')}</font>", st.body
        ),
        pdf.spacer(4),
        pdf.Paragraph(pdf.text(BASIS.format(day=date_text(claim.as_of, "fr"))), st.body),
    ]
    if case.stage == "order_for_payment":
        story += [
            pdf.spacer(2),
            pdf.Paragraph(pdf.text(ORDER_FOR_PAYMENT.format(total=money(claim.total))), st.body),
        ]
    if case.deadline:
        story.append(
            pdf.Paragraph(
                pdf.text(f"À déclarer avant le {date_text(case.deadline, 'fr')}."), st.body
            )
        )
    exhibits = [
        f"Facture {line['number']} du {short_date(line['date'], 'fr')}" for line in claim.lines
    ]
    exhibits += [
        f"Relance « {r['step']} » du {short_date(_day(r['day']), 'fr')}" for r in claim.reminders
    ]
    story += [
        pdf.Paragraph(pdf.text("Pièces jointes"), st.heading),
        pdf.Paragraph(
            "<br/>".join(f"{n}. {pdf.text(e)}" for n, e in enumerate(exhibits, start=1)), st.body
        ),
    ]
    footer = company.name + (f" – SIREN {company.siren}" if company.siren else "")
    return pdf.render(story, f"{title} – {customer.name}", company.name, footer, "Page")


def _day(text: str) -> date:
    return date.fromisoformat(text)


AGENCY_COLUMNS = (
    "dossier", "client", "nom", "siren", "adresse", "email", "telephone", "facture", "date",
    "echeance", "principal", "jours_de_retard", "penalites", "indemnite",
)  # fmt: skip


def agency_csv(claim: Claim) -> str:
    """The hand-over file for a collection agency: one row per invoice with the debtor's
    contact details and the claim's figures (semicolons and decimal commas, as a French
    spreadsheet opens them)."""
    customer = claim.case.customer
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(AGENCY_COLUMNS)
    for line in claim.lines:
        writer.writerow(
            [
                claim.case.pk, customer.code, customer.name, customer.siren,
                customer.address.replace("\n", ", "), customer.email, customer.phone,
                line["number"], line["date"].isoformat(), line["due_date"].isoformat(),
                _comma(line["open"]), line["days_late"], _comma(line["interest"]),
                _comma(line["indemnity"]),
            ]
        )  # fmt: skip
    return "\ufeff" + out.getvalue()


def _comma(cents: int) -> str:
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{sign}{cents // 100},{cents % 100:02d}"
