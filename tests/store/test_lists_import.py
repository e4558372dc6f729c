"""Customers and invoices lists into the store: terms drive due dates, payments settle,
bad rows refuse the file and leave the store as it was."""

from __future__ import annotations

from datetime import date

import pytest

from creditpilot.companies.services import do_init
from creditpilot.customers.models import Customer
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.receivables.models import Allocation, Document, ImportBatch
from creditpilot.receivables.services import ImportRefusedError, do_import_fec
from creditpilot.reports.aging import aging_report
from tests.fecbuilder import Fec

pytestmark = [pytest.mark.store, pytest.mark.django_db]

CUSTOMERS = "code,name,siren,country,segment,payment_terms\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def snapshot():
    return [
        list(m.objects.order_by("id").values())
        for m in (Customer, Document, Allocation, ImportBatch)
    ]


def buckets(company, day, code):
    return {c["code"]: c for c in aging_report(company, day).as_json()["customers"]}[code][
        "buckets"
    ]


@pytest.mark.parametrize("order", ["customers first", "fec first"])
def test_a_customers_first_terms_apply_from_the_start_whatever_the_import_order(tmp_path, order):
    company = do_init()
    fec = Fec()
    fec.invoice("20260120", "ACME", "FA1", "100.00")
    customers = write(tmp_path, "c.csv", CUSTOMERS + "ACME,Acme SARL,,FR,PME,EOM45\n")
    steps = [
        lambda: do_import_customers(company, customers),
        lambda: do_import_fec(company, fec.write(tmp_path / "f.txt")),
    ]
    if order == "fec first":
        steps.reverse()
    for step in steps:
        step()
    doc = Document.objects.get(company=company, number="FA1")
    assert doc.due_date == date(2026, 3, 31)  # EOM45, not the default NET30 (02-19)
    assert Customer.objects.get(company=company, code="ACME").name == "Acme SARL"
    assert buckets(company, date(2026, 3, 31), "ACME")["not_due"] == "100.00"


def test_a_fec_never_overwrites_a_customer_set_by_a_customers_import(tmp_path):
    company = do_init()
    do_import_customers(
        company, write(tmp_path, "c.csv", CUSTOMERS + "ACME,Acme Official Name,,FR,PME,NET60\n")
    )
    fec = Fec()
    fec.invoice("20260120", "ACME", "FA1", "100.00")
    do_import_fec(company, fec.write(tmp_path / "f.txt"))
    acme = Customer.objects.get(company=company, code="ACME")
    assert (acme.name, acme.payment_terms) == ("Acme Official Name", "NET60")


def test_a_customers_file_with_an_invalid_siren_is_refused_whole(tmp_path):
    company = do_init()
    before = snapshot()
    path = write(
        tmp_path,
        "c.csv",
        CUSTOMERS + "ACME,Acme,,FR,PME,NET30\nBAD,Bad SIREN,123456789,FR,PME,NET30\n",
    )
    with pytest.raises(ImportRefusedError) as raised:
        do_import_customers(company, path)
    assert [(e.line, e.column, e.code) for e in raised.value.errors] == [(3, "siren", "bad_siren")]
    assert snapshot() == before
    result = do_import_customers(company, path, accept_valid_rows=True)
    assert result.counts["customers_added"] == 1


INVOICES = "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount,disputed\n"


@pytest.fixture
def company_with_customers(tmp_path):
    company = do_init()
    do_import_customers(
        company,
        write(
            tmp_path, "c.csv", CUSTOMERS + "ACME,Acme,,FR,PME,NET30\nGLOBEX,Globex,,FR,ETI,NET60\n"
        ),
    )
    return company


def test_invoices_with_payments_and_credit_notes_age_exactly(tmp_path, company_with_customers):
    company = company_with_customers
    path = write(
        tmp_path,
        "i.csv",
        INVOICES
        + "ACME,FA1,2026-01-10,2026-02-09,1200.00,EUR,2026-02-20,500.00,\n"
        + "ACME,FA2,2026-03-01,2026-05-15,300.00,EUR,,,yes\n"
        + "GLOBEX,FA3,2026-02-01,2026-04-01,800.00,EUR,2026-03-01,800.00,\n"
        + "GLOBEX,AV1,2026-03-10,2026-03-10,-50.00,EUR,,,\n",
    )
    result = do_import_invoices(company, path)
    assert result.counts["documents_added"] == 6  # four documents, two payments
    acme = buckets(company, date(2026, 3, 31), "ACME")
    assert acme["31_60"] == "700.00"  # FA1: 1200 - 500, due 02-09, 50 days
    assert acme["not_due"] == "300.00"  # FA2 keeps its explicit due date
    globex = buckets(company, date(2026, 3, 31), "GLOBEX")
    assert globex["unapplied"] == "-50.00"  # FA3 fully paid; the credit note has nothing to settle
    before_payment = buckets(company, date(2026, 2, 15), "ACME")
    assert before_payment["1_30"] == "1200.00"
    assert Document.objects.get(company=company, number="FA2", kind="invoice").disputed


def test_a_later_list_updates_payments_without_duplicates(tmp_path, company_with_customers):
    company = company_with_customers
    first = write(tmp_path, "i1.csv", INVOICES + "ACME,FA1,2026-01-10,2026-02-09,1200.00,EUR,,,\n")
    second = write(
        tmp_path,
        "i2.csv",
        INVOICES + "ACME,FA1,2026-01-10,2026-02-09,1200.00,EUR,2026-03-01,1200.00,\n",
    )
    do_import_invoices(company, first)
    assert not do_import_invoices(company, first).changed
    do_import_invoices(company, second)
    assert (
        Document.objects.filter(company=company, number="FA1").count() == 2
    )  # invoice + its payment
    assert buckets_or_none(company, date(2026, 3, 31), "ACME") is None


def buckets_or_none(company, day, code):
    return {c["code"]: c for c in aging_report(company, day).as_json()["customers"]}.get(code)


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        ("NOBODY,FA9,2026-01-10,2026-02-09,10.00,EUR,,,", "customer_code", "unknown_customer"),
        ("ACME,FA9,2026-02-10,2026-01-09,10.00,EUR,,,", "due_date", "due_before_date"),
        (
            "ACME,FA9,2026-01-10,2026-02-09,10.00,EUR,2026-01-02,10.00,",
            "paid_date",
            "paid_before_date",
        ),
        ("ACME,FA9,2026-01-10,2026-02-09,10.00,USD,,,", "exchange_rate", "missing_rate"),
    ],
)
def test_it_refuses_an_invoices_file_with_a_bad_row_and_changes_nothing(
    tmp_path, company_with_customers, row, column, code
):
    company = company_with_customers
    before = snapshot()
    path = write(
        tmp_path, "i.csv", INVOICES + "ACME,FA1,2026-01-10,2026-02-09,1.00,EUR,,,\n" + row + "\n"
    )
    with pytest.raises(ImportRefusedError) as raised:
        do_import_invoices(company, path)
    assert [(e.line, e.column, e.code) for e in raised.value.errors] == [(3, column, code)]
    assert snapshot() == before


def test_foreign_currency_amounts_are_kept_and_converted_at_the_given_rate(
    tmp_path, company_with_customers
):
    company = company_with_customers
    path = write(
        tmp_path,
        "i.csv",
        "customer_code,number,date,due_date,amount,currency,exchange_rate\nACME,FA1,2026-01-10,2026-02-09,1000.00,USD,0.9235\n",
    )
    do_import_invoices(company, path)
    doc = Document.objects.get(company=company, number="FA1")
    assert (doc.currency, doc.currency_amount, doc.amount) == ("USD", 100000, 92350)
