"""The order book: orders not yet invoiced add to the exposure the credit check weighs."""

from __future__ import annotations

from datetime import date

import pytest

from creditpilot.audit.services import Actor
from creditpilot.companies.services import do_init
from creditpilot.customers.models import Customer
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.receivables.services import ImportRefusedError
from creditpilot.risk.credit import credit_check
from creditpilot.risk.models import Order
from creditpilot.risk.orders import do_import_orders

pytestmark = [pytest.mark.store, pytest.mark.django_db]
CLI = Actor(username="cli")
TODAY = date(2026, 6, 30)


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms,credit_limit\nACME,Acme,,FR,PME,NET30,5000\n"
    )
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(
        "customer_code,number,date,due_date,amount,currency\nACME,A1,2026-06-10,2026-07-10,2000.00,EUR\n"
    )
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def test_orders_add_to_the_exposure(company, tmp_path):
    acme = Customer.objects.get(code="ACME")
    assert credit_check(company, acme, 2_000_00, TODAY).decision == "accept"
    path = tmp_path / "orders.csv"
    path.write_text("code_client;commande;date;reste_a_facturer\nACME;BC1;2026-06-25;1 500,00\n")
    assert (
        str(do_import_orders(company, path, CLI))
        == "orders.csv: 1 orders not yet invoiced, 1500.00"
    )
    check = credit_check(company, acme, 2_000_00, TODAY)
    # 2,000 owed + 1,500 ordered + 2,000 asked = 5,500 > 5,000
    assert (check.decision, check.exposure) == ("hold", 3_500_00)
    # the next book replaces this one
    path.write_text("code_client;commande;date;reste_a_facturer\nACME;BC2;2026-06-29;100\n")
    do_import_orders(company, path, CLI)
    assert list(Order.objects.values_list("number", flat=True)) == ["BC2"]


def test_a_bad_book_changes_nothing(company, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer_code,number,date,amount\nACME,BC1,2026-06-25,10\nNOPE,BC1,2026-06-25,x\n"
    )
    with pytest.raises(ImportRefusedError) as caught:
        do_import_orders(company, path, CLI)
    assert [str(e) for e in caught.value.errors] == [
        f"{path}, line 3, column amount: not an amount: 'x'"
    ]
    assert not Order.objects.exists()
