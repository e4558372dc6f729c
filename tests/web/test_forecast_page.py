"""The "Prévisions" page, the dashboard's chart and the customer page's predicted dates, read in
French; a sales rep's forecast holds only their customers."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.utils import translation

from creditpilot.forecast.models import PredictedPayment
from creditpilot.forecast.services import do_store_forecast
from creditpilot.web.templatetags.cp import day

pytestmark = [pytest.mark.store]
AS_OF = date(2026, 6, 30)
ENGLISH = ["Expected", "Forecast", "week", "Likely range", "None", "fallback", "model"]


def main_of(response) -> str:
    body = response.content.decode()
    return html.unescape(body[body.index("<main>") : body.index("</main>")])


def test_the_forecast_page_in_french_with_its_weeks_months_and_splits(world):
    do_store_forecast(world.a, AS_OF)
    client = world.client("alice")
    page = client.get(f"/c/{world.a.code}/forecast/?as_of=2026-06-30")
    assert page.status_code == 200
    body = main_of(page)
    assert "Prévisions d'encaissement" in body and "au 30 juin 2026" in body
    assert "Prévision conservée par le traitement quotidien du 30 juin 2026." in body
    weeks = re.search(r'<table id="forecast-weeks">.*?</table>', body, re.S).group(0)
    assert weeks.count("<tr>") == 14  # the header and 13 weeks
    assert "1 juil. 2026 – 5 juil. 2026" in weeks  # the first week ends on a Sunday
    months = re.search(r'<table id="forecast-months">.*?</table>', body, re.S).group(0)
    assert "juillet 2026" in months and "décembre 2026" in months
    assert "Par cotation" in body and "Par segment" in body and "Acme" in body
    # whole euros, a French number: no cents on a forecast
    assert re.search(r"\d\xa0€", body) and not re.search(r",\d\d\xa0€", body)
    for word in ENGLISH:
        assert not re.search(rf">[^<]*\b{word}\b[^<]*<", body), word
    assert 'id="forecast-chart"' in body and "Prévisions" in page.content.decode()


def test_without_a_kept_forecast_the_page_computes_one_and_says_so(world):
    body = main_of(world.client("alice").get(f"/c/{world.a.code}/forecast/?as_of=2026-06-30"))
    assert "Aucune prévision conservée à cette date : calculée pour cette page." in body
    assert "L'historique est trop court pour apprendre" in body


def test_a_sales_rep_sees_only_their_customers(world):
    do_store_forecast(world.a, AS_OF)
    body = main_of(world.client("sam").get(f"/c/{world.a.code}/forecast/?as_of=2026-06-30"))
    customers = re.search(r'<table id="forecast-customers">.*?</table>', body, re.S).group(0)
    assert "ACME" in customers and "GLOBEX" not in customers and "INITECH" not in customers
    assert 'id="forecast-accuracy"' not in body  # the company's collections are not theirs
    assert world.client("bob").get(f"/c/{world.a.code}/forecast/").status_code == 404


def test_the_dashboard_chart_and_the_customer_pages_predicted_dates(world):
    run = do_store_forecast(world.a, AS_OF)
    client = world.client("alice")
    dashboard = main_of(client.get(f"/c/{world.a.code}/?as_of=2026-06-30"))
    assert "Encaissements attendus sur 13 semaines" in dashboard and "forecast-data" in (
        client.get(f"/c/{world.a.code}/?as_of=2026-06-30").content.decode()
    )
    item = PredictedPayment.objects.filter(run=run, customer__code="ACME").first()
    assert item is not None
    page = main_of(client.get(f"/c/{world.a.code}/customers/ACME/?as_of=2026-06-30"))
    assert "Paiement prévu" in page
    with translation.override("fr"):
        assert day(item.predicted) in page
