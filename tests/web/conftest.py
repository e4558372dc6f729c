"""Two companies with hand-made ledgers and the personas of the web and API tests.

Company A ("acme-holding"): customers ACME (sales rep Sam), GLOBEX (rep Olga), INITECH, UMBRELLA.
Company B ("beta-industries"): the same ledger, other customers' data of another creditor.

Alice is credit manager of A, Bob of B, Sam sales of A (rep "Sam"), Audrey auditor of A,
Carol a consultant who is credit manager of both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from creditpilot.accounts.services import do_add_user
from creditpilot.companies.models import Company
from creditpilot.companies.services import do_add_company
from creditpilot.customers.models import Customer
from creditpilot.receivables.services import do_import_fec
from tests.fecbuilder import hand_ledger

AS_OF = date(2026, 6, 30)
PASSWORD = "correct horse battery staple"


@dataclass
class World:
    a: Company
    b: Company

    def client(self, username: str) -> Client:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client


def make_company(code: str, tmp_path) -> Company:
    company = do_add_company(code, code.replace("-", " ").title())
    folder = tmp_path / code
    folder.mkdir()
    do_import_fec(company, hand_ledger().write(folder / "FEC2026.txt"))
    Customer.objects.filter(company=company, code="ACME").update(sales_rep="Sam")
    Customer.objects.filter(company=company, code="GLOBEX").update(sales_rep="Olga")
    return company


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, tmp_path, settings) -> World:
    # the product keeps Django's default hasher (checked in test_security); these
    # personas use a fast one so that each test does not spend seconds hashing
    settings.PASSWORD_HASHERS = FAST_HASHERS
    a = make_company("acme-holding", tmp_path)
    b = make_company("beta-industries", tmp_path)
    do_add_user("alice", password=PASSWORD, companies=[a], role="credit_manager")
    do_add_user("bob", password=PASSWORD, companies=[b], role="credit_manager")
    do_add_user("sam", password=PASSWORD, companies=[a], role="sales", sales_rep="Sam")
    do_add_user("audrey", password=PASSWORD, companies=[a], role="auditor")
    do_add_user("carol", password=PASSWORD, companies=[a, b], role="credit_manager")
    do_add_user("adam", password=PASSWORD, companies=[a], role="admin")
    do_add_user("bea", password=PASSWORD, companies=[b], role="admin")
    return World(a, b)
