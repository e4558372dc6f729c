"""External events: a BODACC notice of collective proceedings stops dunning and credit at once."""

from __future__ import annotations

from datetime import date

import pytest

from creditpilot.audit.services import Actor
from creditpilot.collections.dunning import dunning_plan
from creditpilot.collections.models import Task
from creditpilot.companies.services import do_init
from creditpilot.customers.models import Customer
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.receivables.services import ImportRefusedError
from creditpilot.risk.behaviour import company_scores
from creditpilot.risk.events import do_import_events
from creditpilot.risk.models import ExternalEvent

pytestmark = [pytest.mark.store, pytest.mark.django_db]
TODAY = date(2026, 6, 30)
CLI = Actor(username="cli")
BODACC = (
    "id;dateparution;familleavis_lib;registre;tribunal;jugement\n"
    '1;2026-06-20;Procédures collectives;552 100 554,552100554;TC de Lyon;"{""nature"": '
    '""Jugement d\'ouverture d\'une procédure de redressement judiciaire""}"\n'
    "2;2026-06-21;Ventes et cessions;732829320;TC de Paris;\n"
)


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms\n"
        "ACME,Acme,552100554,FR,PME,NET30\nGLOBEX,Globex,732829320,FR,PME,NET30\n"
    )
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(
        "customer_code,number,date,due_date,amount,currency\n"
        "ACME,A1,2026-04-01,2026-05-01,1000.00,EUR\nGLOBEX,G1,2026-04-01,2026-05-01,500.00,EUR\n"
    )
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def test_a_receivership_stops_dunning_rates_e_and_asks_to_file_the_claim(company, tmp_path):
    assert "ACME" in {a.customer for a in dunning_plan(company, TODAY).actions}
    path = tmp_path / "bodacc.csv"
    path.write_text(BODACC)
    result = do_import_events(company, path, CLI, TODAY)
    assert (result.added, result.proceedings) == (2, 1)
    assert sorted(ExternalEvent.objects.values_list("kind", flat=True)) == ["other", "receivership"]
    acme = Customer.objects.get(code="ACME")
    assert (acme.rating, acme.rating_source) == ("E", "event")
    assert "ACME" not in {a.customer for a in dunning_plan(company, TODAY).actions}
    claim = Task.objects.get(customer=acme, kind="file_claim")
    assert claim.note == "déclarer la créance avant le 20/08/2026" and claim.amount == 1000_00
    assert Task.objects.filter(customer=acme, kind="credit_hold").exists()
    card = {c.customer: c for c in company_scores(company, TODAY).cards}["ACME"]
    assert (card.score, card.rating, card.drivers[0].code) == (0, "E", "proceedings")
    # the same file again adds nothing
    assert do_import_events(company, path, CLI, TODAY).added == 0
    assert Task.objects.filter(customer=acme, kind="file_claim").count() == 1


def test_an_event_for_an_unknown_siren_refuses_the_file(company, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "siren,date,kind\n552100554,2026-06-20,liquidation\n123456782,2026-06-20,sauvegarde\n"
    )
    with pytest.raises(ImportRefusedError) as caught:
        do_import_events(company, path, CLI, TODAY)
    assert [str(e) for e in caught.value.errors] == [
        f"{path}, line 3, column siren: no customer with the SIREN '123456782'"
    ]
    assert not ExternalEvent.objects.exists()
