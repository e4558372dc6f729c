"""Consecutive fiscal years: opening entries (à-nouveaux) never double count (SPEC §3)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from creditpilot.companies.services import do_init
from creditpilot.receivables.models import Document, ImportBatch
from creditpilot.receivables.services import do_import_fec
from creditpilot.reports.aging import aging_report
from creditpilot.web.reasons import reason
from tests.fecbuilder import Fec

pytestmark = [pytest.mark.store, pytest.mark.django_db]

AS_OF = date(2026, 3, 31)


def year_2025() -> Fec:
    f = Fec()
    f.invoice("20250601", "GLOBEX", "FA102", "300.00", let="A", datelet="20250701")
    f.payment("20250701", "GLOBEX", "300.00", "VIR GLOBEX", let="A", datelet="20250701")
    f.invoice("20251115", "ACME", "FA100", "1000.00")
    f.invoice("20251210", "ACME", "FA101", "500.00")
    return f


def year_2026(*, fa101: str = "500.00", payment_lettered: bool = True) -> Fec:
    f = Fec()
    let = "C" if payment_lettered else ""
    f.opening(
        "20260101",
        "ACME",
        "FA100",
        "1000.00",
        piece_date="20251115",
        let=let,
        datelet="20260210" if let else "",
    )
    f.opening("20260101", "ACME", "FA101", fa101, piece_date="20251210")
    f.payment("20260210", "ACME", "1000.00", "VIR ACME", let=let, datelet="20260210" if let else "")
    f.invoice("20260301", "ACME", "FA200", "800.00")
    return f


def acme(company, day=AS_OF):
    return {c["code"]: c for c in aging_report(company, day).as_json()["customers"]}["ACME"]


EXPECTED = {
    "not_due": "800.00",
    "1_30": "0.00",
    "31_60": "0.00",
    "61_90": "500.00",
    "over_90": "0.00",
    "unapplied": "0.00",
}


def test_opening_lines_are_items_dated_by_their_piece_date_when_the_year_before_is_absent(tmp_path):
    company = do_init()
    do_import_fec(company, year_2026().write(tmp_path / "2026.txt"))
    assert acme(company)["buckets"] == EXPECTED  # FA101 due 2026-01-09: 81 days
    assert acme(company)["total"] == "1300.00"


@pytest.mark.parametrize("order", ["2025 first", "2026 first"])
def test_opening_lines_restating_a_stored_year_are_not_counted_again(tmp_path, order):
    company = do_init()
    files = [year_2025().write(tmp_path / "2025.txt"), year_2026().write(tmp_path / "2026.txt")]
    if order == "2026 first":
        files.reverse()
    for path in files:
        do_import_fec(company, path)
    assert acme(company)["total"] == "1300.00"
    assert acme(company)["buckets"] == EXPECTED
    assert Document.objects.filter(company=company, is_opening=True, is_active=True).count() == 0
    # the opening line's lettering passed to the 2025 invoice it restates
    fa100 = Document.objects.get(company=company, number="FA100", is_opening=False)
    assert fa100.effective_lettering == "C"
    assert fa100.settled_by.get().method == "lettering"


def test_a_restated_balance_that_differs_from_the_stored_year_is_reported(tmp_path):
    company = do_init()
    do_import_fec(company, year_2025().write(tmp_path / "2025.txt"))
    result = do_import_fec(company, year_2026(fa101="450.00").write(tmp_path / "2026.txt"))
    assert any("ACME" in w and "1450.00" in w and "1500.00" in w for w in result.warnings)
    assert acme(company)["total"] == "1300.00"  # the stored year wins
    # said in the reader's language, days and amounts written the French way
    (warning,) = ImportBatch.objects.get(pk=result.batch_id).warnings
    with translation.override("fr"):
        said = reason(warning)
    assert said.startswith("les à-nouveaux du 1 janv. 2026 du client ACME reprennent 1")
    assert "450,00" in said and "500,00" in said


def test_a_balance_carried_as_one_line_is_dated_the_first_day_of_the_year(tmp_path):
    company = do_init()
    f = Fec()
    f.opening("20260101", "ACME", "AN", "1500.00", piece_date="20260101")
    f.payment("20260210", "ACME", "1000.00", "VIR ACME")
    f.invoice("20260301", "ACME", "FA200", "800.00")
    do_import_fec(company, f.write(tmp_path / "2026.txt"))
    # 1500 dated 2026-01-01, due 01-31, 59 days at 03-31; 1000 paid oldest first
    assert acme(company)["buckets"]["31_60"] == "500.00"
    assert acme(company)["total"] == "1300.00"
    # once 2025 is stored, the balance line steps aside and the payment meets FA100 by amount
    do_import_fec(company, year_2025().write(tmp_path / "2025.txt"))
    assert acme(company)["buckets"] == EXPECTED


def test_a_later_export_of_the_same_year_updates_lettering_and_adds_entries(tmp_path):
    company = do_init()
    early = Fec()
    early.invoice("20260105", "ACME", "FA300", "100.00")
    early.invoice("20260110", "ACME", "FA301", "100.00")
    early.payment("20260120", "ACME", "100.00", "VIREMENT")  # unlettered: oldest of the same amount
    first = do_import_fec(company, early.write(tmp_path / "jan.txt"))
    assert first.counts["documents_added"] == 3
    pay = Document.objects.get(company=company, kind="payment")
    assert [a.invoice.number for a in pay.settles.all()] == ["FA300"]

    later = Fec()
    later.invoice("20260105", "ACME", "FA300", "100.00")
    later.invoice("20260110", "ACME", "FA301", "100.00", let="A", datelet="20260201")
    later.payment("20260120", "ACME", "100.00", "VIREMENT", let="A", datelet="20260201")
    later.invoice("20260215", "ACME", "FA302", "50.00")
    second = do_import_fec(company, later.write(tmp_path / "feb.txt"))
    assert second.counts["documents_added"] == 1  # FA302
    assert second.counts["documents_changed"] == 2  # FA301 and the payment, now lettered
    assert second.counts["documents_removed"] == 0
    assert Document.objects.filter(company=company).count() == 4
    pay = Document.objects.get(company=company, kind="payment")
    assert pay.lettering == "A"
    assert [a.invoice.number for a in pay.settles.all()] == ["FA301"]
    assert acme(company, date(2026, 2, 28))["total"] == "150.00"


def test_the_same_file_twice_changes_nothing(tmp_path):
    company = do_init()
    path = year_2026().write(tmp_path / "2026.txt")
    do_import_fec(company, path)
    before = list(Document.objects.order_by("id").values())
    again = do_import_fec(company, path)
    assert not again.changed
    assert "nothing changed" in again.summary()
    assert list(Document.objects.order_by("id").values()) == before


def test_the_same_content_in_another_file_changes_nothing(tmp_path):
    company = do_init()
    do_import_fec(company, year_2026().write(tmp_path / "a.txt"))
    # same lines, LF instead of CRLF: another hash, same content
    path = tmp_path / "b.txt"
    path.write_text(year_2026().text().replace("\r\n", "\n"))
    result = do_import_fec(company, path)
    assert result.counts["documents_added"] == 0
    assert result.counts["documents_changed"] == 0
    assert result.counts["documents_removed"] == 0
