"""Early warnings raised by the daily run, the watch-list, and each user's digest by email."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from creditpilot.accounts.services import do_add_user
from creditpilot.audit.services import Actor
from creditpilot.collections.services import do_add_promise
from creditpilot.companies.services import do_init
from creditpilot.customers.models import Customer
from creditpilot.orchestration.daily import do_daily_run
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.risk.events import do_import_events
from creditpilot.risk.models import Alert

pytestmark = [pytest.mark.store, pytest.mark.django_db]
DAY = date(2026, 6, 30)
HEADER = "customer_code,number,date,due_date,amount,currency\n"


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms,sales_rep,credit_limit\n"
        "ACME,Acme,552100554,FR,PME,NET30,Sam,10000.00\n"
        + "".join(f"C{n},Client {n},,FR,PME,NET30,Olga,\n" for n in range(12))
    )
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(
        HEADER
        + "ACME,A1,2026-05-01,2026-05-31,5000.00,EUR\n"
        + "".join(f"C{n},F{n},2026-05-01,2026-05-31,4000.00,EUR\n" for n in range(12))
    )
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def test_the_days_alerts_and_the_digest(company, tmp_path, smtp, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    do_add_user("alice", password="pw-alice-1", companies=[company], role="credit_manager")
    do_add_user("sam", password="pw-sam-1", companies=[company], role="sales", sales_rep="Sam")
    get_user_model().objects.filter(username__in=["alice", "sam"]).update(email="x@example.fr")
    get_user_model().objects.filter(username="sam").update(email="sam@example.fr")
    get_user_model().objects.filter(username="alice").update(email="alice@example.fr")
    do_daily_run(company, DAY)
    assert not Alert.objects.filter(kind="limit").exists()
    # the next day: a new invoice takes Acme over 90 % of its limit; a promise of C1 broke;
    # Acme's receivership is published
    (tmp_path / "i2.csv").write_text(HEADER + "ACME,A2,2026-07-01,2026-07-31,4500.00,EUR\n")
    do_import_invoices(company, tmp_path / "i2.csv")
    do_add_promise(company, "C1", "100.00", DAY, today=DAY)
    (tmp_path / "e.csv").write_text("siren,date,kind\n552100554,2026-07-01,redressement\n")
    do_import_events(company, tmp_path / "e.csv", Actor(username="cli"), DAY)
    smtp.inbox.messages.clear()
    do_daily_run(company, DAY + timedelta(days=1))
    raised = {(a.customer.code, a.kind) for a in Alert.objects.filter(day=DAY + timedelta(days=1))}
    assert {("ACME", "limit"), ("ACME", "event")} <= raised
    assert ("C1", "broken_promise") not in raised  # the grace days are not over yet
    digests = {m["To"]: m for m in smtp.inbox.messages if m["Subject"].startswith("Alertes")}
    assert set(digests) == {"alice@example.fr", "sam@example.fr"}
    text = digests["sam@example.fr"].get_content()
    assert "Acme (ACME) : encours à 95 % du plafond" in text and "Client 1 " not in text
    # again the same day: nothing raised twice
    do_daily_run(company, DAY + timedelta(days=1))
    assert Alert.objects.filter(day=DAY + timedelta(days=1)).count() == len(raised)
    # the watch-list, in French
    client = Client()
    client.force_login(get_user_model().objects.get(username="alice"))
    page = html.unescape(client.get(f"/c/{company.code}/alerts/?as_of=2026-07-01").content.decode())
    assert "événement publié : redressement judiciaire" in page
    assert "encours à 95 % du plafond" in page and "receivership" not in page
    assert Customer.objects.get(code="ACME").rating == "E"
