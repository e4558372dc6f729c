"""The monthly credit report: its sections from the KPI history, the aged balance by segment
and sales rep, the top risks, disputes and litigation; read back from the PDF and the XLSX."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader

from creditpilot.collections.litigation import do_open_case
from creditpilot.collections.services import do_add_dispute
from creditpilot.customers.models import Customer
from creditpilot.forecast.services import do_store_forecast
from creditpilot.risk.models import RiskScore
from creditpilot.steering.history import do_take_month_end_snapshots
from creditpilot.steering.monthly import NotAMonthEndError, management_report
from creditpilot.steering.render import report_pdf, report_xlsx

pytestmark = [pytest.mark.store, pytest.mark.django_db]
FEB = date(2026, 2, 28)


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture
def busy(company):
    globex = Customer.objects.get(company=company, code="GLOBEX")
    globex.credit_limit = 200000  # 2,000.00: Globex owes 2,400.00 at the end of February
    globex.save()
    RiskScore.objects.create(
        company=company, customer=globex, day=date(2026, 2, 15), score=40, rating="D",
        pd=Decimal("0.1000"),
    )  # fmt: skip
    do_add_dispute(company, "ACME", "A2", "quality", today=date(2026, 2, 20))
    do_open_case(company, "GLOBEX", today=date(2026, 2, 25), items=["G1"], stage="formal_notice")
    do_take_month_end_snapshots(company, date(2026, 3, 5))
    return company


def test_the_pdf_in_french(busy):
    text = pdf_text(report_pdf(management_report(busy, FEB, "fr")))
    assert "Rapport mensuel de crédit" in text and "février 2026" in text
    # the KPIs from the history: DSO 48.7, best 28.0, ADD 20.7, CEI 33.3 %, a month before 31.0
    assert "DSO (jours) 48,7 31,0 17,7" in text
    assert "Indice d'efficacité du recouvrement (CEI) du mois 33,3 %" in text
    assert "Perte attendue 240,00" in text
    # by segment: GE 2,400.00 (2,000.00 late), PME 600.00; the total is the company's
    assert "GE 2 400,00 400,00 2 000,00" in text and "PME 600,00 600,00" in text
    assert "Total 3 000,00 1 000,00 2 000,00" in text
    # by sales rep, top risks (Globex over its limit), disputes, litigation
    assert "bob 2 400,00" in text and "alice 600,00" in text
    assert "Globex (GLOBEX) D 10,0 % 2 400,00 2 000,00 240,00 2 000,00 120,0 %" in text
    assert "Clients au-delà de leur limite de crédit : 1." in text
    assert "Acme (ACME) A2 qualité 20/02/2026 8 600,00" in text
    assert "Globex (GLOBEX) mise en demeure 25/02/2026 2 000,00" in text
    assert "1 fins de mois de la tendance" in text  # January was backfilled


def test_the_pdf_in_english_and_a_month_end_without_snapshot(busy):
    text = pdf_text(report_pdf(management_report(busy, date(2026, 3, 31), "en")))
    assert "Monthly credit report" in text and "March 2026" in text
    assert "computed now, from the ledger as it stands" in text
    assert "Top risks" in text and "Disputes" in text and "Litigation" in text


def test_the_xlsx_keeps_numbers(busy):
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(management_report(busy, FEB, "en"))))
    assert book.sheetnames == [
        "Key figures and their trend", "Cash-in forecast", "Aged balance by segment",
        "Aged balance by sales rep",
        "Top risks", "Disputes", "Litigation",
    ]  # fmt: skip
    rows = list(book["Aged balance by segment"].iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r[0] == "Segment"))
    assert rows[header + 1][:5] == ("GE", 2400, 400, 2000, 0)
    assert rows[header + 3][0] == "Total" and rows[header + 3][1] == 3000
    kpis = list(book["Key figures and their trend"].iter_rows(values_only=True))
    dso = next(r for r in kpis if r[0] == "DSO (days)")
    assert [Decimal(str(v)) for v in dso[1:4]] == [
        Decimal("48.7"),
        Decimal("31.0"),
        Decimal("17.7"),
    ]


def test_a_day_that_is_not_a_month_end_is_refused(busy):
    with pytest.raises(NotAMonthEndError, match="2026-02-27 is not the last day of a month"):
        management_report(busy, date(2026, 2, 27))


def test_the_forecast_kept_at_the_month_end_is_in_the_report(busy):
    text = pdf_text(report_pdf(management_report(busy, FEB, "fr")))
    assert "Aucune prévision d'encaissement n'a été conservée" in text
    run = do_store_forecast(busy, FEB)
    weeks = run.summary["weeks"]
    expected = sum(Decimal(w["expected"]) for w in weeks)
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(management_report(busy, FEB, "en"))))
    rows = list(book["Cash-in forecast"].iter_rows(values_only=True))
    first = rows.index(next(r for r in rows if r[0] == "The next 13 weeks")) + 2
    # openpyxl reads dates back as datetimes: the first week is Sunday 1 March alone
    assert [d.date() for d in rows[first][:2]] == [date(2026, 3, 1), date(2026, 3, 1)]
    total = next(r for r in rows[first:] if r[0] == "Total")
    assert Decimal(str(total[2])) == expected
    text = pdf_text(report_pdf(management_report(busy, FEB, "fr")))
    assert "Prévision du 28/02/2026" in text and "Les 13 prochaines semaines" in text
