"""The customer page explains the score in French; a person's rating stays a person's."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from creditpilot.customers.models import Customer
from creditpilot.orchestration.daily import do_daily_run
from tests.web.conftest import AS_OF

pytestmark = [pytest.mark.store]


def main_of(response) -> str:
    assert response.status_code == 200
    body = response.content.decode()
    return html.unescape(body[body.index("<main>") : body.index("</main>")])


def test_the_score_is_explained_and_fills_the_rating_unless_a_person_set_it(world):
    client = world.client("alice")
    url = f"/c/{world.a.code}/customers/GLOBEX/?as_of={AS_OF}"
    assert "Pas encore de score" in main_of(client.get(url))
    do_daily_run(world.a, AS_OF)
    body = main_of(client.get(url))
    assert "Risque" in body and "probabilité d'un retard grave dans les 12 mois" in body
    assert "paie en moyenne" in body and "La note de la liste des clients suit le score." in body
    globex = Customer.objects.get(company=world.a, code="GLOBEX")
    assert globex.rating in "ABCDE" and globex.rating_source == "score"
    # the customers list (its cached positions) shows the rating without a rebuild
    listed = client.get(f"/c/{world.a.code}/customers/?as_of={AS_OF}&rating={globex.rating}")
    assert "GLOBEX" in [p.code for p in listed.context["page"]]
    # a person rates the customer: the next day's scoring leaves that rating alone
    other = "A" if globex.rating != "A" else "B"
    client.post(
        f"/c/{world.a.code}/customers/GLOBEX/edit/",
        {
            "payment_terms": "",
            "credit_limit": "",
            "segment": "",
            "sales_rep": "Olga",
            "rating": other,
        },
    )
    do_daily_run(world.a, AS_OF + timedelta(days=1))
    globex.refresh_from_db()
    assert (globex.rating, globex.rating_source) == (other, "person")
    after = main_of(
        client.get(f"/c/{world.a.code}/customers/GLOBEX/?as_of={AS_OF + timedelta(days=1)}")
    )
    assert "a été fixée par une personne" in after


def test_the_financial_scores_are_shown_beside_the_score(world, tmp_path):
    from creditpilot.audit.services import Actor
    from creditpilot.risk.financials import do_import_financials

    path = tmp_path / "f.csv"
    path.write_text(
        "customer,year_end,total_assets,current_assets,inventories,equity,retained_earnings,"
        "total_liabilities,short_term_liabilities,sales,ebit,ebitda,financial_charges,"
        "staff_costs,value_added\n"
        "GLOBEX,2025-12-31,1000000,600000,200000,300000,150000,700000,400000,2000000,80000,"
        "120000,20000,500000,800000\n"
    )
    do_import_financials(world.a, path, Actor(username="alice"))
    body = main_of(world.client("alice").get(f"/c/{world.a.code}/customers/GLOBEX/?as_of={AS_OF}"))
    assert "Comptes de l'exercice clos le 31 déc. 2025" in body
    text = " ".join(re.sub(r"<[^>]+>", "", body).split())
    assert "Altman Z'' 2,79 (zone sûre) · Conan–Holder 16,6 % (saine)" in text


def test_terms_beyond_the_legal_cap_are_flagged(world):
    Customer.objects.filter(company=world.a, code="GLOBEX").update(payment_terms="NET75")
    body = main_of(world.client("alice").get(f"/c/{world.a.code}/customers/GLOBEX/"))
    assert "au-delà du plafond légal" in body
    acme = main_of(world.client("alice").get(f"/c/{world.a.code}/customers/ACME/"))
    assert "au-delà du plafond légal" not in acme


def listed_rows(response) -> dict[str, str]:
    """The customers list's rows by customer code, as HTML."""
    body = main_of(response)
    table = body[body.index('<table id="customers"') :]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.DOTALL)
    found = {}
    for row in rows:
        code = re.search(r'<td><a href="[^"]+">([^<]+)</a></td>', row)
        if code:
            found[code.group(1)] = row
    return found


def test_terms_beyond_the_legal_cap_are_flagged_in_the_customers_list(world):
    Customer.objects.filter(company=world.a, code="GLOBEX").update(payment_terms="NET75")
    Customer.objects.filter(company=world.a, code="ACME").update(payment_terms="NET30")
    client = world.client("alice")
    rows = listed_rows(client.get(f"/c/{world.a.code}/customers/?as_of={AS_OF}"))
    assert "au-delà du plafond légal" in rows["GLOBEX"] and "75 jours net" in rows["GLOBEX"]
    assert (
        "title=\"Ces conditions dépassent le plafond légal de l'article L441-10" in rows["GLOBEX"]
    )
    assert "plafond" not in rows["ACME"]
    # a customer without terms of its own has the company's: flagged when they are beyond the cap
    assert "plafond" not in rows["INITECH"]
    type(world.a).objects.filter(pk=world.a.pk).update(default_terms="EOM60")
    rows = listed_rows(client.get(f"/c/{world.a.code}/customers/?as_of={AS_OF}"))
    assert "au-delà du plafond légal" in rows["INITECH"] and "plafond" not in rows["ACME"]
    # in English, the same badge in English
    client.post("/language/", {"language": "en"})
    rows = listed_rows(client.get(f"/c/{world.a.code}/customers/?as_of={AS_OF}"))
    assert "beyond the legal cap" in rows["GLOBEX"] and "legal cap" not in rows["ACME"]
