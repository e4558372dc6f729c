"""Bad FEC input: a clear error naming file, line and column, and the store left as it was."""

from __future__ import annotations

import pytest

from creditpilot.companies.services import do_init
from creditpilot.core.errors import InvalidInputError
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document, ImportBatch, LedgerPeriod
from creditpilot.receivables.services import ImportRefusedError, do_import_fec
from tests.fecbuilder import HEADER, Fec, hand_ledger

pytestmark = [pytest.mark.store, pytest.mark.django_db]


def snapshot():
    return [
        list(model.objects.order_by("id").values())
        for model in (Customer, Document, Allocation, ImportBatch, LedgerPeriod)
    ]


@pytest.fixture
def company(tmp_path):
    company = do_init()
    do_import_fec(company, hand_ledger().write(tmp_path / "good.txt"))
    return company


GOOD_LINE = "VT|Ventes|VT1|20260105|411000|Clients|ACME|Acme|FA1|20260105|Facture|120,00|0,00|||||"
GOOD_CREDIT = "VT|Ventes|VT1|20260105|706000|Ventes|||FA1|20260105|Facture|0,00|120,00|||||"


def lines(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


CASES = {
    "empty file": (b"", "empty_file", None, None),
    "header only": (lines(), "no_data", 1, None),
    "missing columns": (
        (b"JournalCode|EcritureNum|EcritureDate|CompteNum\r\nVT|1|20260101|411000\r\n"),
        "missing_columns",
        1,
        "JournalLib",
    ),
    "a short row": (
        lines(GOOD_LINE, "VT|Ventes|VT1|20260105|706000"),
        "wrong_field_count",
        3,
        None,
    ),
    "a bad date": (
        lines(GOOD_LINE.replace("|20260105|411000", "|20261341|411000"), GOOD_CREDIT),
        "bad_date",
        2,
        "EcritureDate",
    ),
    "a bad amount": (
        lines(GOOD_LINE.replace("120,00|0,00", "12,3,4|0,00"), GOOD_CREDIT),
        "bad_amount",
        2,
        "Debit",
    ),
    "an unbalanced entry": (
        lines(GOOD_LINE, GOOD_CREDIT.replace("0,00|120,00", "0,00|100,00")),
        "unbalanced_entry",
        2,
        "Debit",
    ),
    "a customer line without customer": (
        lines(GOOD_LINE.replace("|ACME|Acme|", "|||"), GOOD_CREDIT),
        "no_customer",
        2,
        "CompAuxNum",
    ),
    "binary garbage": (bytes(range(256)) * 20, "not_text", None, None),
    "an unexpected encoding (UTF-16)": (
        lines(GOOD_LINE, GOOD_CREDIT).decode().encode("utf-16"),
        "bad_encoding",
        None,
        None,
    ),
    "an unexpected encoding (Windows-1252 quotes)": (
        lines(GOOD_LINE.replace("Facture", "Facture \u2019a\u2019"), GOOD_CREDIT)
        .decode()
        .encode("cp1252"),
        "bad_encoding",
        None,
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_it_refuses_bad_input_and_leaves_the_store_as_it_was(company, tmp_path, case):
    content, code, line, column = CASES[case]
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    before = snapshot()
    with pytest.raises(InvalidInputError) as raised:
        do_import_fec(company, path)
    err = raised.value
    first = err.errors[0] if isinstance(err, ImportRefusedError) else err
    assert first.code == code, str(err)
    if line is not None:
        assert (
            first.line if isinstance(err, ImportRefusedError) else err.params.get("line")
        ) == line
    if column is not None:
        assert (
            first.column if isinstance(err, ImportRefusedError) else err.params.get("column")
        ) == column
    assert str(path) in str(err)
    assert "\n" not in str(err)
    assert snapshot() == before


def test_it_refuses_a_path_that_does_not_exist(company, tmp_path):
    before = snapshot()
    with pytest.raises(InvalidInputError) as raised:
        do_import_fec(company, tmp_path / "nope.txt")
    assert raised.value.code == "file_not_found"
    assert snapshot() == before


def test_every_rejected_row_is_listed(company, tmp_path):
    rows = [GOOD_LINE, GOOD_CREDIT]
    rows.append(GOOD_LINE.replace("VT1|20260105", "VT2|20260230"))
    rows.append(
        GOOD_CREDIT.replace("VT1|20260105", "VT2|20260105").replace("0,00|120,00", "0,00|abc")
    )
    path = tmp_path / "bad.txt"
    path.write_bytes(lines(*rows))
    with pytest.raises(ImportRefusedError) as raised:
        do_import_fec(company, path)
    found = {(e.line, e.column, e.code) for e in raised.value.errors}
    assert (4, "EcritureDate", "bad_date") in found
    assert (5, "Credit", "bad_amount") in found


def test_accept_valid_rows_takes_the_good_entries_and_lists_the_others(company, tmp_path):
    f = Fec()
    f.invoice("20260801", "ACME", "FA900", "120.00")
    rows = [*f.lines, GOOD_LINE.replace("VT1|20260105", "VTX|20260230")]
    path = tmp_path / "mixed.txt"
    path.write_bytes(lines(*rows))
    result = do_import_fec(company, path, accept_valid_rows=True)
    assert result.changed
    assert [e.code for e in result.skipped] == ["bad_date"]
    assert Document.objects.filter(company=company, number="FA900").count() == 1


def test_a_failure_in_the_middle_of_an_import_rolls_everything_back(company, tmp_path, monkeypatch):
    from creditpilot.receivables import services

    def boom(_company, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "do_rebuild", boom)
    f = Fec()
    f.invoice("20260901", "NEWCO", "FA950", "120.00")
    before = snapshot()
    with pytest.raises(RuntimeError):
        do_import_fec(company, f.write(tmp_path / "sep.txt"))
    assert snapshot() == before
