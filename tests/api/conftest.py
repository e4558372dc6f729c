"""Personas of the API tests, each with an API key.

Company ``alpha`` holds the hand ledger of ``tests/fecbuilder.py`` (figures
worked out in ``tests/store/test_hand_ledger.py``) and a customers list giving
sales reps: Acme and Globex are Sam's, Initech is Nadia's, Umbrella has none.
Company ``beta`` holds one invoice of its own customer ACME (Beta's Acme).
The customers lists are imported before the FECs, so every customer of a FEC is
already known.

Alice is alpha's credit manager, Bob beta's, Sam a sales user of alpha (sales
rep "Sam"), Audrey alpha's auditor.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from creditpilot.accounts.rights import Role
from creditpilot.accounts.services import do_add_user, do_create_token
from creditpilot.companies.services import do_add_company
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.services import do_import_fec
from tests.api.support import Persona
from tests.fecbuilder import Fec, hand_ledger

CUSTOMERS = (
    "code,name,siren,country,segment,payment_terms,vat,sales_rep,email,credit_limit,currency\n"
    "ACME,Acme SARL,443061841,FR,PME,,,Sam,compta@acme.example,5000.00,EUR\n"
    "GLOBEX,Globex SAS,,FR,ETI,,,Sam,,,EUR\n"
    "INITECH,Initech SA,,FR,GE,,,Nadia,,,EUR\n"
    "UMBRELLA,Umbrella Corp,,FR,PME,,,,,,EUR\n"
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # the personas' passwords are never checked here; the default hasher costs a second each
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alpha(db, tmp_path):
    company = do_add_company("alpha", "Alpha Industries")
    customers = tmp_path / "customers-alpha.csv"
    customers.write_text(CUSTOMERS)
    do_import_customers(company, customers)
    do_import_fec(company, hand_ledger().write(tmp_path / "FEC-alpha.txt"))
    return company


@pytest.fixture
def beta(db, tmp_path):
    company = do_add_company("beta", "Beta Services")
    customers = tmp_path / "customers-beta.csv"
    customers.write_text(
        "code,name,siren,country,segment,payment_terms\nACME,Beta's Acme,,FR,PME,\n"
    )
    do_import_customers(company, customers)
    fec = Fec()
    fec.invoice("20260610", "ACME", "B-001", "480.00")
    do_import_fec(company, fec.write(tmp_path / "FEC-beta.txt"))
    return company


def persona(username: str, company: Any, role: Role, sales_rep: str = "") -> Persona:
    do_add_user(
        username, password="not-used-here", companies=[company], role=role, sales_rep=sales_rep
    )
    user = get_user_model().objects.get(username=username)
    return Persona(user, do_create_token(username), Client())


@pytest.fixture
def alice(alpha):
    return persona("alice", alpha, Role.CREDIT_MANAGER)


@pytest.fixture
def bob(beta):
    return persona("bob", beta, Role.CREDIT_MANAGER)


@pytest.fixture
def sam(alpha):
    return persona("sam", alpha, Role.SALES, sales_rep="Sam")


@pytest.fixture
def audrey(alpha):
    return persona("audrey", alpha, Role.AUDITOR)


@pytest.fixture
def inline_imports(settings, tmp_path):
    settings.IMPORTS_IN_BACKGROUND = False
    settings.UPLOAD_DIR = tmp_path / "uploads"
