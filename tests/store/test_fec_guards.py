"""A FEC of another company is refused unless the user confirms; confirmed, it is said so."""

from __future__ import annotations

import pytest

from creditpilot.companies.services import do_init
from creditpilot.receivables.guards import ForeignFecError
from creditpilot.receivables.models import Document, ImportBatch
from creditpilot.receivables.services import do_import_fec
from tests.fecbuilder import Fec, hand_ledger

pytestmark = [pytest.mark.store, pytest.mark.django_db]


@pytest.fixture
def company(tmp_path):
    company = do_init()
    company.siren = "732829320"
    company.save()
    do_import_fec(company, hand_ledger().write(tmp_path / "732829320FEC20261231.txt"))
    return company


def other_company_fec() -> Fec:
    """Another company's books: customers the ledger never saw, in a year it does not hold."""
    f = Fec()
    f.invoice("20210502", "PARTNER_A", "INV/2021/0001", "776.45")
    f.invoice("20210610", "PARTNER_B", "INV/2021/0002", "120.00")
    return f


def test_a_fec_named_with_another_siren_is_refused_and_changes_nothing(company, tmp_path):
    f = Fec()
    f.invoice("20260615", "ACME", "FA200", "480")  # the ledger's customer, the ledger's year
    before = Document.objects.count()
    with pytest.raises(ForeignFecError) as raised:
        do_import_fec(company, f.write(tmp_path / "552100554FEC20261231.txt"))
    assert raised.value.code == "other_company_siren"
    assert raised.value.params["file_siren"] == "552100554"
    assert "552100554" in str(raised.value) and "732829320" in str(raised.value)
    assert Document.objects.count() == before


def test_force_imports_it_and_keeps_the_finding_with_its_batch(company, tmp_path):
    f = Fec()
    f.invoice("20260615", "ACME", "FA200", "480")
    result = do_import_fec(company, f.write(tmp_path / "552100554FEC20261231.txt"), force=True)
    assert result.changed
    assert any("552100554" in w for w in result.warnings)
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert batch.warnings[0]["code"] == "other_company_siren"
    assert batch.warnings[0]["params"] == {"file_siren": "552100554", "company_siren": "732829320"}


def test_a_fec_sharing_no_customer_and_no_day_with_the_ledger_is_refused(company, tmp_path):
    path = other_company_fec().write(tmp_path / "odoo_export.txt")
    with pytest.raises(ForeignFecError) as raised:
        do_import_fec(company, path)
    assert raised.value.code == "nothing_in_common"
    assert raised.value.params == {
        "file": str(path),
        "file_customers": 2,
        "start": "2021-05-02",
        "end": "2021-06-10",
        "ledger_start": "2026-03-01",
        "ledger_end": "2026-07-05",
    }
    assert not Document.objects.filter(number__startswith="INV/2021").exists()
    assert do_import_fec(company, path, force=True).changed
    assert Document.objects.filter(number__startswith="INV/2021").count() == 2


def test_a_new_customer_in_the_next_months_file_is_taken(company, tmp_path):
    f = Fec()
    f.invoice("20260915", "NEWCO", "FA902", "300")  # no customer in common, two months on
    assert do_import_fec(company, f.write(tmp_path / "FEC-september.txt")).changed


def test_the_next_year_of_the_same_customers_is_taken(company, tmp_path):
    f = Fec()
    f.invoice("20270115", "GLOBEX", "FA900", "300")  # no day in common, a known customer
    assert do_import_fec(company, f.write(tmp_path / "732829320FEC20271231.txt")).warnings == []


def test_a_new_customer_in_the_ledgers_year_is_taken(company, tmp_path):
    f = Fec()
    f.invoice("20260620", "NEWCO", "FA901", "300")  # no customer in common, a day in common
    assert do_import_fec(company, f.write(tmp_path / "FEC.txt")).changed


def test_any_first_fec_goes_into_an_empty_ledger(tmp_path):
    company = do_init()
    assert do_import_fec(company, other_company_fec().write(tmp_path / "a.txt")).changed


def test_the_odoo_sample_does_not_go_into_the_ledger_without_a_word(company, shared_data):
    odoo = shared_data / "fec" / "odoo_l10n_fr_fec_expected_report.txt"
    with pytest.raises(ForeignFecError) as raised:
        do_import_fec(company, odoo)
    assert raised.value.code == "nothing_in_common"
    assert not Document.objects.filter(customer__code="PARTNER_A_ID").exists()
