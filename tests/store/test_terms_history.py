"""Dated payment terms (SPEC §3 "Due date"): an invoice's derived due date uses the
customer's terms in force at the invoice's date; a change never moves invoices
already issued. Every due date below is worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from creditpilot.companies.services import do_add_company
from creditpilot.customers.models import Customer, CustomerTerms
from creditpilot.receivables.customers import do_import_customers, do_update_customer
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.receivables.models import Document
from creditpilot.receivables.rebuild import do_rebuild
from creditpilot.receivables.services import do_import_fec
from tests.fecbuilder import Fec

pytestmark = [pytest.mark.store, pytest.mark.django_db]

HEADER = "code,name,siren,country,segment,payment_terms,terms_from\n"
TODAY = "2026-06-15 10:00 +0200"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def ledger() -> Fec:
    f = Fec()
    f.invoice("20260120", "ACME", "FA1", "100.00")
    f.invoice("20260310", "ACME", "FA2", "200.00")
    f.invoice("20260616", "ACME", "FA3", "300.00")
    f.invoice("20260120", "GLOBEX", "FG1", "50.00")
    return f


def due_dates(company):
    return {
        number: due.isoformat()
        for number, due in Document.objects.filter(company=company).values_list(
            "number", "due_date"
        )
    }


# EOM45: last day of the month of (date + 45 days); NET60: date + 60 days; NET30 the default
EOM45 = {"FA1": "2026-03-31", "FA2": "2026-04-30", "FA3": "2026-07-31", "FG1": "2026-02-19"}


@pytest.mark.parametrize("order", ["customers first", "fec first"])
def test_customers_before_or_after_the_fec_give_the_same_due_dates(tmp_path, order):
    company = do_add_company("alpha", "Alpha")
    customers = write(
        tmp_path, "c.csv", HEADER + "ACME,Acme,,FR,PME,EOM45,\nGLOBEX,Globex,,FR,,,\n"
    )
    steps = [
        lambda: do_import_customers(company, customers),
        lambda: do_import_fec(company, ledger().write(tmp_path / "f.txt")),
    ]
    if order == "fec first":
        steps.reverse()
    with time_machine.travel(TODAY, tick=False):
        for step in steps:
            step()
    assert due_dates(company) == EOM45
    acme = Customer.objects.get(company=company, code="ACME")
    assert list(acme.terms_history.values_list("terms", "effective_from")) == [("EOM45", None)]


def test_a_change_in_the_app_today_leaves_invoices_already_issued_as_they_were(tmp_path):
    company = do_add_company("alpha", "Alpha")
    with time_machine.travel(TODAY, tick=False):
        do_import_customers(
            company, write(tmp_path, "c.csv", HEADER + "ACME,Acme,,FR,PME,EOM45,\n")
        )
        do_import_fec(company, ledger().write(tmp_path / "f.txt"))
        acme = Customer.objects.get(company=company, code="ACME")
        assert do_update_customer(company, acme, {"payment_terms": "net60"}, actor=None) == [
            "payment_terms"
        ]
    # FA1 and FA2 were issued before 2026-06-15: EOM45 still; FA3 (06-16) takes NET60
    assert due_dates(company) == {**EOM45, "FA3": "2026-08-15"}
    assert acme.payment_terms == "NET60"
    assert list(
        CustomerTerms.objects.filter(customer=acme).values_list("terms", "effective_from")
    ) == [("EOM45", None), ("NET60", date(2026, 6, 15))]
    # an invoice of 2026-06-15 on, arriving later, takes the new terms too
    later = ledger()
    later.invoice("20260615", "ACME", "FA4", "10.00")
    with time_machine.travel("2026-06-20 10:00 +0200", tick=False):
        do_import_fec(company, later.write(tmp_path / "f2.txt"))
    assert due_dates(company)["FA4"] == "2026-08-14"


def test_a_change_with_a_date_applies_from_that_date(tmp_path):
    company = do_add_company("alpha", "Alpha")
    with time_machine.travel(TODAY, tick=False):
        do_import_fec(company, ledger().write(tmp_path / "f.txt"))
        acme = Customer.objects.get(company=company, code="ACME")
        do_update_customer(company, acme, {"payment_terms": "EOM45"}, actor=None)
        assert due_dates(company) == EOM45  # the first terms apply from the start
        do_update_customer(
            company,
            acme,
            {"payment_terms": "NET60", "terms_from": date(2026, 3, 1)},
            actor=None,
        )
    assert due_dates(company) == {**EOM45, "FA2": "2026-05-09", "FA3": "2026-08-15"}


def test_terms_from_in_a_customers_file_dates_the_change(tmp_path):
    company = do_add_company("alpha", "Alpha")
    with time_machine.travel(TODAY, tick=False):
        do_import_customers(
            company, write(tmp_path, "c1.csv", HEADER + "ACME,Acme,,FR,PME,EOM45,\n")
        )
        do_import_fec(company, ledger().write(tmp_path / "f.txt"))
        result = do_import_customers(
            company, write(tmp_path, "c2.csv", HEADER + "ACME,Acme,,FR,PME,NET60,2026-03-10\n")
        )
    assert result.counts["customers_changed"] == 1
    # FA2 is dated 2026-03-10 itself: NET60 from that day on
    assert due_dates(company) == {**EOM45, "FA2": "2026-05-09", "FA3": "2026-08-15"}
    assert Customer.objects.get(company=company, code="ACME").payment_terms == "NET60"


def test_a_customers_file_without_terms_from_changes_terms_from_the_day_of_the_import(tmp_path):
    company = do_add_company("alpha", "Alpha")
    with time_machine.travel("2026-03-01 10:00 +0100", tick=False):
        do_import_customers(
            company, write(tmp_path, "c1.csv", HEADER + "ACME,Acme,,FR,PME,EOM45,\n")
        )
        do_import_fec(company, ledger().write(tmp_path / "f.txt"))
        do_import_customers(
            company, write(tmp_path, "c2.csv", HEADER + "ACME,Acme,,FR,PME,NET60,\n")
        )
    assert due_dates(company) == {**EOM45, "FA2": "2026-05-09", "FA3": "2026-08-15"}


def test_an_explicit_due_date_stays_as_given_whatever_the_terms(tmp_path):
    company = do_add_company("alpha", "Alpha")
    do_import_customers(company, write(tmp_path, "c.csv", HEADER + "ACME,Acme,,FR,PME,EOM45,\n"))
    do_import_invoices(
        company,
        write(
            tmp_path,
            "i.csv",
            "customer_code,number,date,due_date,amount,currency\n"
            "ACME,L1,2026-01-20,2026-01-25,100.00,EUR\n",
        ),
    )
    acme = Customer.objects.get(company=company, code="ACME")
    do_update_customer(
        company, acme, {"payment_terms": "NET60", "terms_from": date(2026, 1, 1)}, actor=None
    )
    assert due_dates(company) == {"L1": "2026-01-25"}


def test_unknown_terms_fall_back_to_the_companys_default_terms_not_net30(tmp_path):
    company = do_add_company("alpha", "Alpha", default_terms="NET45")
    do_import_fec(company, ledger().write(tmp_path / "f.txt"))
    acme = Customer.objects.get(company=company, code="ACME")
    # terms stored before the catalogue knew better: no longer read as any terms
    CustomerTerms.objects.create(company=company, customer=acme, terms="whenever")
    do_rebuild(company)
    # NET45 for all, FG1 (no terms at all) too
    assert due_dates(company) == {
        "FA1": "2026-03-06",
        "FA2": "2026-04-24",
        "FA3": "2026-07-31",
        "FG1": "2026-03-06",
    }


def test_a_change_dated_before_a_later_one_keeps_the_later_terms_current(tmp_path):
    company = do_add_company("alpha", "Alpha")
    with time_machine.travel(TODAY, tick=False):
        do_import_fec(company, ledger().write(tmp_path / "f.txt"))
        acme = Customer.objects.get(company=company, code="ACME")
        do_update_customer(company, acme, {"payment_terms": "EOM45"}, actor=None)
        do_update_customer(company, acme, {"payment_terms": "NET60"}, actor=None)  # from today
        # EOM45 again, but from 2026-03-01: FA2 (03-10) was already EOM45; nothing changes
        assert (
            do_update_customer(
                company,
                acme,
                {"payment_terms": "EOM45", "terms_from": date(2026, 3, 1)},
                actor=None,
            )
            == []
        )
        # RECEIPT from 2026-03-01: FA2 due on its date; FA3 keeps NET60, still the current terms
        do_update_customer(
            company, acme, {"payment_terms": "RECEIPT", "terms_from": date(2026, 3, 1)}, actor=None
        )
    assert due_dates(company) == {**EOM45, "FA2": "2026-03-10", "FA3": "2026-08-15"}
    assert Customer.objects.get(company=company, code="ACME").payment_terms == "NET60"
    assert acme.payment_terms == "NET60"
