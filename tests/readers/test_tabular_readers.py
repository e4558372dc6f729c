"""Customers and invoices lists, CSV and XLSX: values read exactly, every bad row reported."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditpilot.core.errors import InvalidInputError
from creditpilot.readers.customers import read_customers
from creditpilot.readers.invoices import read_invoices

CUSTOMERS_HEADER = (
    "code,name,siren,country,segment,payment_terms,vat,sales_rep,email,credit_limit,currency"
)


def write(tmp_path, text, name="file.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_customers_are_read_with_their_terms_normalised(tmp_path):
    path = write(
        tmp_path,
        CUSTOMERS_HEADER
        + '\nACME,Acme SARL,732 829 320,FR,PME,45 jours fin de mois,FR44732829320,Alice,compta@acme.fr,"15 000,00",EUR'
        + "\nDE01,Deutsche GmbH,,DE,ETI,NET30,,Bob,,,\n",
    )
    records, errors = read_customers(path)
    assert errors == []
    acme, de = records
    assert (acme.code, acme.siren, acme.payment_terms, acme.credit_limit, acme.vat) == (
        "ACME",
        "732829320",
        "EOM45",
        1_500_000,
        "FR44732829320",
    )
    assert (de.siren, de.country, de.currency) == (None, "DE", "EUR")


def test_customers_semicolon_french_headers_and_latin9(tmp_path):
    text = "Code client;Raison sociale;SIREN;Pays;Segment;Conditions de paiement\nC1;Société Générale d'Électricité;;FR;PME;30 jours\n"
    records, errors = read_customers(write(tmp_path, text, encoding="iso8859_15"))
    assert errors == []
    assert records[0].name == "Société Générale d'Électricité"
    assert records[0].payment_terms == "NET30"


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        ("ACME,Acme,123456789,FR,PME,NET30", "siren", "bad_siren"),
        ("ACME,Acme,12345,FR,PME,NET30", "siren", "bad_siren"),
        (",Acme,,FR,PME,NET30", "code", "missing_value"),
        ("ACME,Acme,,FRA,PME,NET30", "country", "bad_country"),
        ("ACME,Acme,,FR,PME,someday", "payment_terms", "bad_terms"),
        ("ACME,Acme,,FR,PME", None, "short_row"),
    ],
)
def test_it_reports_bad_customer_rows(tmp_path, row, column, code):
    path = write(tmp_path, "code,name,siren,country,segment,payment_terms\n" + row + "\n")
    records, errors = read_customers(path)
    assert records == []
    assert [(e.line, e.column, e.code) for e in errors] == [(2, column, code)]


def test_a_duplicate_customer_code_is_reported_with_its_first_line(tmp_path):
    path = write(tmp_path, "code,name,siren,country,segment,payment_terms\nA,x,,FR,,\nA,y,,FR,,\n")
    records, errors = read_customers(path)
    assert len(records) == 1
    assert errors[0].code == "duplicate_code" and "line 2" in errors[0].message


def test_missing_columns_are_reported_on_line_1(tmp_path):
    records, errors = read_customers(write(tmp_path, "code,name\nA,x\n"))
    assert records == []
    assert {(e.line, e.column) for e in errors} == {
        (1, "siren"),
        (1, "country"),
        (1, "segment"),
        (1, "payment_terms"),
    }


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        ("code\n".encode("utf-16"), "bad_encoding"),
        (bytes(range(256)) * 4, "not_text"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, content, code):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as raised:
        read_customers(path)
    assert raised.value.code == code


def test_a_path_that_does_not_exist(tmp_path):
    with pytest.raises(InvalidInputError) as raised:
        read_invoices(tmp_path / "none.csv")
    assert raised.value.code == "file_not_found"


INVOICES_HEADER = (
    "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount,disputed"
)


def test_invoices_with_payments_credit_notes_and_disputes(tmp_path):
    path = write(
        tmp_path,
        INVOICES_HEADER
        + '\nACME,FA1,2026-01-10,2026-02-09,"1 200,50",EUR,2026-02-01,200.50,'
        + "\nACME,AV1,20260115,20260115,-100,EUR,,,non"
        + "\nACME,FA2,15/01/2026,28/02/2026,99.99,eur,,,oui\n",
    )
    records, errors = read_invoices(path)
    assert errors == []
    fa1, av1, fa2 = records
    assert (fa1.amount, fa1.paid_amount, fa1.paid_date) == (120050, 20050, date(2026, 2, 1))
    assert (av1.amount, av1.date, av1.disputed) == (-10000, date(2026, 1, 15), False)
    assert (fa2.due_date, fa2.currency, fa2.disputed) == (date(2026, 2, 28), "EUR", True)


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        ("ACME,F1,2026-13-41,2026-02-01,10,EUR,,,", "date", "bad_date"),
        ("ACME,F1,2026-02-01,2026-01-01,10,EUR,,,", "due_date", "due_before_date"),
        ('ACME,F1,2026-01-01,2026-02-01,"12,3,4",EUR,,,', "amount", "bad_amount"),
        ("ACME,F1,2026-01-01,2026-02-01,0,EUR,,,", "amount", "zero_amount"),
        ("ACME,F1,2026-01-01,2026-02-01,10,EUR,2026-01-05,,", "paid_amount", "incomplete_payment"),
        ("ACME,F1,2026-01-01,2026-02-01,10,EUR,2026-01-05,11,", "paid_amount", "overpaid"),
        ("ACME,F1,2026-01-10,2026-02-01,10,EUR,2026-01-05,10,", "paid_date", "paid_before_date"),
        ("ACME,F1,2026-01-01,2026-02-01,10,EUR,,,maybe", "disputed", "bad_boolean"),
    ],
)
def test_it_reports_bad_invoice_rows(tmp_path, row, column, code):
    records, errors = read_invoices(write(tmp_path, INVOICES_HEADER + "\n" + row + "\n"))
    assert records == []
    assert [(e.line, e.column, e.code) for e in errors] == [(2, column, code)]


def test_xlsx_cells_are_read_without_float_artefacts(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(
        ["customer_code", "number", "date", "due_date", "amount", "currency", "exchange_rate"]
    )
    ws.append(["ACME", "FA1", date(2026, 1, 10), date(2026, 2, 9), 1234.5, "EUR", None])
    ws.append(["ACME", "FA2", date(2026, 1, 11), date(2026, 2, 10), 0.1 + 0.2, "USD", 0.92])
    ws.append(["ACME", 1003, date(2026, 1, 12), date(2026, 2, 11), 7, "EUR", None])
    path = tmp_path / "open_items.xlsx"
    wb.save(path)
    records, errors = read_invoices(path)
    assert errors == []
    assert [r.amount for r in records] == [123450, 30, 700]
    assert records[1].exchange_rate == Decimal("0.92")
    assert records[2].number == "1003"
    assert records[0].date == date(2026, 1, 10)
