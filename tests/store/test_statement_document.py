"""The statement sent to a customer: open items at a date on the letterhead, in its language."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest

from creditpilot.companies.models import Company
from creditpilot.companies.services import do_init
from creditpilot.customers.models import Customer
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.reports.statement_document import (
    open_items_statement,
    statement_document_pdf,
)

pytestmark = [pytest.mark.store, pytest.mark.django_db]

AS_OF = date(2026, 6, 30)
INVOICES = """customer_code,number,date,due_date,amount,currency,paid_date,paid_amount
ACME,F1,2026-04-01,2026-05-01,1000.00,EUR,2026-05-20,400.00
ACME,F2,2026-06-10,2026-07-10,250.00,EUR,,
ACME,F0,2026-03-01,2026-03-31,300.00,EUR,2026-04-02,300.00
ACME,AV1,2026-06-15,2026-06-15,-100.00,EUR,,
ACME,F9,2026-07-02,2026-08-01,900.00,EUR,,
"""


@pytest.fixture
def company(tmp_path) -> Company:
    company = do_init()
    Company.objects.filter(pk=company.pk).update(
        name="Dupont Négoce",
        siren="552100554",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        address="3 rue des Lilas\n69003 Lyon",
    )
    company.refresh_from_db()
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms\nACME,Acme SARL,,FR,PME,NET30\n"
    )
    do_import_customers(company, tmp_path / "c.csv")
    Customer.objects.filter(code="ACME").update(address="8 quai Rambaud\n69002 Lyon")
    (tmp_path / "i.csv").write_text(INVOICES)
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def _text(pdf: bytes) -> str:
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_open_items_at_the_date_with_the_cores_open_amounts(company):
    doc = open_items_statement(company, "ACME", AS_OF)
    # F0 paid in full, F9 dated after the date: not listed; the credit note AV1 goes to the
    # oldest open invoice (the core's rule): F1 1,000.00 - 400.00 - 100.00, 60 days late
    assert [(line.number, line.open_amount, line.days_past_due) for line in doc.open_items] == [
        ("F1", 500_00, 60),
        ("F2", 250_00, -10),
    ]
    assert doc.total == 750_00 and doc.overdue == 500_00
    assert doc.movements == []
    since = open_items_statement(company, "ACME", AS_OF, since=date(2026, 6, 1))
    assert [line.number for line in since.movements] == ["F2", "AV1"]


def test_the_pdf_in_french_carries_the_letterhead_the_bank_and_the_law(company):
    text = _text(statement_document_pdf(open_items_statement(company, "ACME", AS_OF), "fr"))
    for words in (
        "Relevé de compte",
        "au 30 juin 2026",
        "Dupont Négoce",
        "SIREN 552100554",
        "IBAN FR7630006000011234567890189",
        "BIC AGRIFRPP",
        "8 quai Rambaud",
        "Facture F1",
        "500,00 €",
        "Total dû",
        "750,00 €",
        "article L441-10 du Code de commerce",
        "40 euros",
    ):
        assert words in text, words
    assert "Statement" not in text and "F9" not in text


def test_the_pdf_in_english(company):
    doc = open_items_statement(company, "ACME", AS_OF, since=date(2026, 6, 1))
    text = _text(statement_document_pdf(doc, "en"))
    for words in (
        "Statement of account",
        "as of 30 June 2026",
        "Invoice F1",
        "Credit note AV1",
        "€500.00",
        "Total due",
        "Movements from 1 June 2026 to 30 June 2026",
        "article L441-10 of the French Commercial Code",
    ):
        assert words in text, words
    assert "Relevé" not in text


def test_the_companys_own_legal_mentions_replace_the_default(company):
    Company.objects.filter(pk=company.pk).update(legal_mentions="Pénalités : 3 fois le taux légal.")
    company.refresh_from_db()
    text = _text(statement_document_pdf(open_items_statement(company, "ACME", AS_OF), "fr"))
    assert "3 fois le taux légal" in text and "L441-10" not in text


def test_names_are_text_not_markup_and_long_statements_number_their_pages(company, tmp_path):
    Customer.objects.filter(code="ACME").update(name="Acme <b>& Fils</b>")
    (tmp_path / "more.csv").write_text(
        "customer_code,number,date,due_date,amount,currency\n"
        + "".join(f"ACME,G{n},2026-05-01,2026-05-31,{n}.00,EUR\n" for n in range(1, 121))
    )
    do_import_invoices(company, tmp_path / "more.csv")
    pdf = statement_document_pdf(open_items_statement(company, "ACME", AS_OF), "fr")
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 3
    text = _text(pdf)
    assert "Acme <b>& Fils</b>" in text
    assert f"Page 1 / {len(pages)}" in text and f"Page {len(pages)} / {len(pages)}" in text
    assert "G120" in text and "Pièce" in pages[1].extract_text()  # the header on each page
