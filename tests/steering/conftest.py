"""A ledger small enough to check by hand: Acme (segment PME, rep alice) pays, Globex
(segment GE, rep bob) pays late and in part."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from creditpilot.companies.services import do_init
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices
from tests.dunning.smtp import SmtpServer

CUSTOMERS = (
    "code,name,siren,country,segment,payment_terms,sales_rep\n"
    "ACME,Acme,,FR,PME,NET30,alice\n"
    "GLOBEX,Globex,,FR,GE,NET30,bob\n"
)
INVOICES = (
    "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount\n"
    "ACME,A1,2026-01-10,2026-02-09,1000.00,EUR,2026-02-20,1000.00\n"
    "ACME,A2,2026-02-05,2026-03-07,600.00,EUR,,\n"
    "GLOBEX,G1,2026-01-20,2026-02-19,2000.00,EUR,2026-03-10,500.00\n"
    "GLOBEX,G2,2026-02-25,2026-03-27,400.00,EUR,,\n"
)


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(INVOICES)
    do_import_invoices(company, tmp_path / "i.csv")
    company.refresh_from_db()
    return company


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A running SMTP server, named by CREDITPILOT_SMTP_URL."""
    server = SmtpServer()
    server.start()
    monkeypatch.setenv("CREDITPILOT_SMTP_URL", server.url)
    yield server
    server.stop()
