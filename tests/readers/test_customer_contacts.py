"""The customers file gives each customer its postal address, phone and language of its letters."""

from __future__ import annotations

import pytest

from creditpilot.companies.services import do_init
from creditpilot.customers.models import Customer
from creditpilot.readers.customers import read_customers
from creditpilot.receivables.customers import do_import_customers

HEADER = "code,name,siren,country,segment,payment_terms,adresse,téléphone,langue\n"


def test_address_phone_and_language_are_read(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        HEADER
        + 'ACME,Acme,,FR,PME,NET30,"8 quai Rambaud / 69002 Lyon",04 72 00 00 01,FR\n'
        + "GLOBEX,Globex,,GB,PME,NET30,1 Main Street;London,,anglais\n"
        + "INITECH,Initech,,FR,PME,NET30,,,\n"
    )
    records, errors = read_customers(path)
    assert errors == []
    acme, globex, initech = records
    assert (acme.address, acme.phone, acme.language) == (
        "8 quai Rambaud\n69002 Lyon",
        "04 72 00 00 01",
        "fr",
    )
    assert (globex.address, globex.language) == ("1 Main Street\nLondon", "en")
    assert (initech.address, initech.phone, initech.language) == (None, None, None)


def test_an_unknown_language_is_refused_with_its_place(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "ACME,Acme,,FR,PME,NET30,,,de\n")
    _records, errors = read_customers(path)
    assert [str(e) for e in errors] == [
        f"{path}, line 2, column language: unknown language 'de': fr or en"
    ]


@pytest.mark.store
@pytest.mark.django_db
def test_an_empty_cell_keeps_what_the_customer_had(tmp_path):
    company = do_init()
    first = tmp_path / "c1.csv"
    first.write_text(HEADER + "ACME,Acme,,FR,PME,NET30,8 quai Rambaud,0472,en\n")
    do_import_customers(company, first)
    second = tmp_path / "c2.csv"
    second.write_text(HEADER + "ACME,Acme SA,,FR,PME,NET30,,,\n")
    do_import_customers(company, second)
    acme = Customer.objects.get(code="ACME")
    assert (acme.name, acme.address, acme.phone, acme.language) == (
        "Acme SA",
        "8 quai Rambaud",
        "0472",
        "en",
    )
