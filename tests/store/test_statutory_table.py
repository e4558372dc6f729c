"""The management report's late-invoice table (D441-6), by hand: brackets, shares of the
year's sales, the disputed invoices apart; a year without sales refused."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader

from creditpilot.collections.services import do_add_dispute
from creditpilot.collections.statutory import (
    late_invoice_table,
    table_json,
    table_pdf,
    table_xlsx,
)
from creditpilot.companies.services import do_init
from creditpilot.core.errors import InvalidInputError
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices

pytestmark = [pytest.mark.store, pytest.mark.django_db]
YEAR_END = date(2025, 12, 31)


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms\nACME,Acme,,FR,PME,NET30\n"
    )
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(
        "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount\n"
        "ACME,A1,2025-10-01,2025-10-31,1200.00,EUR,,\n"  # 61 days late
        "ACME,A2,2025-11-15,2025-12-15,600.00,EUR,2025-12-20,200.00\n"  # 400.00 open, 16 days
        "ACME,A3,2025-12-10,2026-01-09,300.00,EUR,,\n"  # not due
        "ACME,A4,2025-06-01,2025-07-01,500.00,EUR,,\n"  # 183 days
        "ACME,A5,2025-09-01,2025-10-01,1000.00,EUR,,\n"  # disputed
        "ACME,A6,2025-08-01,2025-08-31,700.00,EUR,2025-09-10,700.00\n"  # paid
        "ACME,A7,2024-12-01,2024-12-31,100.00,EUR,,\n"  # last year's, 365 days
        "ACME,A8,2026-01-05,2026-02-04,900.00,EUR,,\n"  # after the year end
    )
    do_import_invoices(company, tmp_path / "i.csv")
    do_add_dispute(company, "ACME", "A5", "quality", today=date(2025, 12, 1))
    return company


def test_the_table_by_hand(company):
    body = json.loads(table_json(late_invoice_table(company, YEAR_END)))
    # the year's sales: A1 to A6, 4,300.00
    assert body["sales"] == "4300.00"
    assert body["brackets"] == {
        "0": {"count": 1, "amount": "300.00", "share_of_sales": "6.98"},
        "1_30": {"count": 1, "amount": "400.00", "share_of_sales": "9.30"},
        "31_60": {"count": 0, "amount": "0.00", "share_of_sales": "0.00"},
        "61_90": {"count": 1, "amount": "1200.00", "share_of_sales": "27.91"},
        "91_plus": {"count": 2, "amount": "600.00", "share_of_sales": "13.95"},
    }
    assert body["total_late"] == {"count": 4, "amount": "2200.00", "share_of_sales": "51.16"}
    assert body["excluded"] == {"count": 1, "amount": "1000.00"}
    assert body["reference_terms"] == "30 jours net"


def test_the_official_layout_in_xlsx(company):
    book = openpyxl.load_workbook(io.BytesIO(table_xlsx(late_invoice_table(company, YEAR_END))))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][1:] == (
        "0 jour (indicatif)", "1 à 30 jours", "31 à 60 jours", "61 à 90 jours",
        "91 jours et plus", "Total (1 jour et plus)",
    )  # fmt: skip
    assert rows[3][1:] == (1, 1, 0, 1, 2, 4)
    assert [Decimal(str(v)) for v in rows[4][1:]] == [
        Decimal(v) for v in ("300", "400", "0", "1200", "600", "2200")
    ]


def test_the_official_layout_in_pdf(company):
    pdf = table_pdf(late_invoice_table(company, YEAR_END), company)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Article D. 441-6 I.-2°" in text and "Exercice clos le 31/12/2025" in text
    for heading in ("0 jour (indicatif)", "1 à 30 jours", "91 jours et plus", "Total (1 jour"):
        assert heading in text
    # the counts row, then the amounts and the shares of the year's 4,300.00 of sales
    assert "Nombre de factures concernées 1 1 0 1 2 4" in text
    assert "300,00 400,00 0,00 1 200,00 600,00 2 200,00" in text
    assert "6,98 % 9,30 % 0,00 % 27,91 % 13,95 % 51,16 %" in text
    assert "Chiffre d'affaires TTC de l'exercice : 4 300,00" in text
    assert "Nombre des factures exclues 1" in text
    assert "Montant total des factures exclues (TTC) 1 000,00" in text
    assert "Délais contractuels : 30 jours net" in text


def test_a_year_without_sales_is_refused(company):
    with pytest.raises(InvalidInputError) as err:
        late_invoice_table(company, date(2023, 12, 31))
    assert err.value.code == "no_sales" and "2023-12-31" in str(err.value)


def test_the_command_line(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CREDITPILOT_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env["CREDITPILOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    env["CREDITPILOT_DATA_DIR"] = str(tmp_path / "data")

    def cp(*args: str, ok: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "creditpilot", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == ok, done.stderr
        return done

    (tmp_path / "i.csv").write_text(
        "customer_code,number,date,due_date,amount,currency\n"
        "ACME,A1,2025-10-01,2025-10-31,1200.00,EUR\nACME,A3,2025-12-10,2026-01-09,300.00,EUR\n"
    )
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms\nACME,Acme,,FR,PME,NET30\n"
    )
    cp("init")
    cp("import", "customers", str(tmp_path / "c.csv"))
    cp("import", "invoices", str(tmp_path / "i.csv"))
    body = json.loads(cp("report", "d441-6", "--year-end", "2025-12-31").stdout)
    assert body["total_late"] == {"count": 1, "amount": "1200.00", "share_of_sales": "80.00"}
    cp(
        "report",
        "d441-6",
        "--year-end",
        "2025-12-31",
        "--format",
        "pdf",
        "-o",
        str(tmp_path / "t.pdf"),
    )
    text = PdfReader(tmp_path / "t.pdf").pages[0].extract_text()
    assert "1 200,00" in text and "80,00 %" in text
    refused = cp("report", "d441-6", "--year-end", "2023-12-31", "--format", "pdf", ok=1)
    assert "no sales in the fiscal year ending 2023-12-31" in refused.stderr
