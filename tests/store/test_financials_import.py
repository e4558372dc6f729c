"""Financial statements imported from a file: found by code or SIREN, checked, all or nothing."""

from __future__ import annotations

from datetime import date

import pytest

from creditpilot.audit.services import Actor
from creditpilot.companies.services import do_init
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.services import ImportRefusedError
from creditpilot.risk.financials import do_import_financials, latest_statement, statement_scores
from creditpilot.risk.models import FinancialStatement

pytestmark = [pytest.mark.store, pytest.mark.django_db]
CLI = Actor(username="cli")
HEADER = (
    "code_client;siren;date_cloture;total_bilan;actif_circulant;stocks;capitaux_propres;"
    "report_a_nouveau;dettes;dettes_court_terme;chiffre_affaires;resultat_exploitation;ebe;"
    "charges_financieres;charges_personnel;valeur_ajoutee\n"
)
ROW = "1000000;600000;200000;300000;150000;700000;400000;2000000;80000;120000;20000;500000;800000\n"


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms\n"
        "ACME,Acme,552100554,FR,PME,NET30\nGLOBEX,Globex,,FR,PME,NET30\n"
    )
    do_import_customers(company, tmp_path / "c.csv")
    return company


def test_statements_by_code_or_siren_with_their_scores(company, tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        HEADER + f";552100554;2025-12-31;{ROW}" + f"GLOBEX;;31/12/2025;{ROW.replace('80000', '')}"
    )
    assert str(do_import_financials(company, path, CLI)) == "f.csv: 2 statements added, 0 changed"
    acme = latest_statement(company.customers.get(code="ACME"))
    assert acme is not None and acme.year_end == date(2025, 12, 31)
    z, c = statement_scores(acme)
    assert (z.shown, z.zone, c.shown, c.zone) == ("2.7886", "safe", "16.5943", "healthy")
    globex_z, _ = statement_scores(latest_statement(company.customers.get(code="GLOBEX")))
    assert globex_z.value is None and globex_z.missing == ["ebit"]
    # the same file again changes nothing; a corrected one replaces the year
    assert str(do_import_financials(company, path, CLI)) == "f.csv: 0 statements added, 2 changed"
    assert FinancialStatement.objects.count() == 2


def test_bad_rows_refuse_the_whole_file(company, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + f"ACME;;2025-12-31;{ROW}"
        + f"ACME;;2025-12-31;{ROW}"
        + f"NOBODY;;2025-12-31;{ROW}"
        + f"GLOBEX;;2025-12-31;{ROW.replace('600000', 'beaucoup')}"
    )
    with pytest.raises(ImportRefusedError) as caught:
        do_import_financials(company, path, CLI)
    reasons = [str(e) for e in caught.value.errors]
    assert reasons == [
        f"{path}, line 3, column year_end: the same customer and year end already on line 2",
        f"{path}, line 4, column customer: no customer with the code or SIREN 'NOBODY'",
        f"{path}, line 5, column current_assets: not an amount: 'beaucoup'",
    ]
    assert FinancialStatement.objects.count() == 0
