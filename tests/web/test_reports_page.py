"""The reports page: the monthly credit report and the D441-6 table downloaded, the KPI
history; the dashboard's history charts; reports scheduled from the settings page."""

from __future__ import annotations

import io
import json
from datetime import date
from html import unescape

import openpyxl
import pytest
import time_machine
from pypdf import PdfReader

from creditpilot.accounts.services import do_add_user
from creditpilot.steering.history import do_take_month_end_snapshots
from creditpilot.steering.models import ReportSchedule
from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.store]
FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture
def history(world):
    do_take_month_end_snapshots(world.a, date(2026, 7, 2))
    return world


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


@time_machine.travel("2026-07-02 10:00")
def test_the_monthly_report_is_downloaded_in_pdf_and_xlsx(history):
    alice = history.client("alice")
    page = alice.get(f"/c/{history.a.code}/reports/", **FR).content.decode()
    assert "Rapport mensuel de crédit" in page and '<option value="2026-06-30"' in page
    # June was taken on time (the first run after it), March to May were filled in
    assert "juin 2026" in page and page.count("reconstituée après coup</td>") == 3
    url = f"/c/{history.a.code}/reports/monthly/"
    pdf = alice.get(url, {"month_end": "2026-06-30", "format": "pdf", "language": "fr"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="credit-report-2026-06.pdf"'
    text = text_of(pdf.content)
    assert "Rapport mensuel de crédit" in text and "juin 2026" in text
    assert "Balance âgée par commercial" in text and "Olga" in text
    xlsx = alice.get(url, {"month_end": "2026-06-30", "format": "xlsx", "language": "en"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "Aged balance by sales rep" in book.sheetnames


@time_machine.travel("2026-07-02 10:00")
def test_bad_dates_say_why_on_the_page(history):
    alice = history.client("alice")
    bad = alice.get(
        f"/c/{history.a.code}/reports/monthly/",
        {"month_end": "2026-06-29", "format": "pdf", "language": "fr"},
        **FR,
    )
    assert bad.status_code == 400
    assert "Le 29/06/2026 n'est pas le dernier jour d'un mois." in unescape(bad.content.decode())
    empty = alice.get(
        f"/c/{history.a.code}/reports/d441-6/", {"year_end": "2020-12-31", "format": "pdf"}, **FR
    )
    assert empty.status_code == 400
    assert "Aucune vente dans l'exercice clos le 31/12/2020" in unescape(empty.content.decode())
    table = alice.get(
        f"/c/{history.a.code}/reports/d441-6/", {"year_end": "2026-06-30", "format": "pdf"}
    )
    assert table.status_code == 200
    assert "Article D. 441-6" in text_of(table.content)


def test_a_sales_user_does_not_reach_the_company_reports(history):
    sam = history.client("sam")
    for path in ("reports/", "reports/monthly/?month_end=2026-06-30&format=pdf&language=fr"):
        assert sam.get(f"/c/{history.a.code}/{path}").status_code == 404
    assert f"/c/{history.a.code}/reports/" not in sam.get(f"/c/{history.a.code}/").content.decode()


def test_the_dashboard_draws_the_history_by_segment_and_sales_rep(history):
    page = history.client("alice").get(f"/c/{history.a.code}/?as_of=2026-06-30", **FR)
    data = json.loads(page.context["history"] and json.dumps(page.context["history"]))
    keys = [g["key"] for g in data["groups"]]
    assert keys[0] == "company:" and "sales_rep:Olga" in keys and "sales_rep:Sam" in keys
    assert data["dates"][-1] == "2026-06-30"
    body = page.content.decode()
    assert 'id="history-group"' in body and "Commercial : Olga" in body


def test_a_report_is_scheduled_and_stopped_from_the_settings_page(history):
    do_add_user("dora", password=PASSWORD, companies=[history.a], role="management",
                email="dora@example.com")  # fmt: skip
    adam = history.client("adam")
    url = f"/c/{history.a.code}/settings/reports/"
    page = adam.get(f"/c/{history.a.code}/settings/", **FR).content.decode()
    assert "Rapports envoyés par e-mail" in page and "dora (dora@example.com)" in page
    refused = adam.post(url, {"report": "monthly", "frequency": "weekly", "format": "xlsx",
                              "language": "en"}, **FR)  # fmt: skip
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Choisissez au moins un destinataire." in body
    assert "Le rapport mensuel de crédit est envoyé chaque mois." in body
    assert '<option value="weekly" selected>' in body  # the input is kept
    dora = history.a.memberships.get(user__username="dora").user_id
    done = adam.post(url, {"report": "monthly", "frequency": "monthly", "format": "pdf",
                           "language": "fr", "recipients": [dora]})  # fmt: skip
    assert done.status_code == 302
    schedule = ReportSchedule.objects.get(company=history.a)
    assert list(schedule.recipients.values_list("username", flat=True)) == ["dora"]
    listed = adam.get(f"/c/{history.a.code}/settings/", **FR).content.decode()
    assert "Rapport mensuel de crédit" in listed and "chaque mois" in listed
    assert history.client("audrey").post(url, {"report": "monthly"}).status_code == 403
    stop = adam.post(f"/c/{history.a.code}/settings/reports/{schedule.pk}/stop/")
    assert stop.status_code == 302
    assert not ReportSchedule.objects.get(pk=schedule.pk).active
    audit = unescape(adam.get(f"/c/{history.a.code}/audit/", **FR).content.decode())
    assert (
        "adam a programmé l'envoi d'un rapport par e-mail : Rapport : Rapport mensuel de crédit, "
        "Envoi : chaque mois, Format : PDF, Langue : français, Destinataires : dora"
    ) in audit
