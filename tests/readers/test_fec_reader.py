"""The FEC reader on real exports and on the variants the format allows."""

from __future__ import annotations

from datetime import date

import pytest

from creditpilot.core.errors import InvalidInputError
from creditpilot.readers.fec import read_fec
from tests.fecbuilder import HEADER, Fec


def test_every_shared_fec_file_reads_without_error(shared_data):
    files = sorted((shared_data / "fec").iterdir())
    assert files
    for path in files:
        fec = read_fec(path)
        assert fec.errors == [], (path, fec.errors[:3])
        assert fec.data_lines > 0


def test_odoo_zero_padded_signed_amounts_and_auxiliary_account(shared_data):
    fec = read_fec(shared_data / "fec" / "odoo_l10n_fr_fec_expected_report.txt")
    assert fec.separator == "|"
    row = fec.lines.row(0, named=True)
    assert row["customer_code"] == "PARTNER_A_ID"
    assert row["customer_name"] == "partner_a"
    assert row["amount"] == 776045
    assert row["is_sale"] is True
    assert row["date"] == date(2021, 5, 2)


def test_tryton_tab_separated_files_have_no_customer_lines(shared_data):
    fec = read_fec(shared_data / "fec" / "tryton_account_fr_FEC.csv")
    assert fec.separator == "\t"
    assert fec.lines.height == 0  # 4967 is not a receivable account
    assert (fec.period_start, fec.period_end) == (date(2018, 1, 1), date(2018, 1, 1))


def test_iso_8859_15_with_euro_sign_is_detected(tmp_path):
    f = Fec()
    f.invoice("20260105", "ACME", "FA1", "100.00")
    text = f.text().replace("Facture FA1", "Facture FA1 – 100 € réglée", 1).replace("–", "-")
    path = tmp_path / "latin9.txt"
    path.write_bytes(text.encode("iso8859_15"))
    fec = read_fec(path)
    assert fec.encoding == "iso-8859-15"
    assert fec.lines["label"][0] == "Facture FA1 - 100 € réglée"


def test_a_file_in_iso_8859_15_whose_first_megabyte_is_ascii_is_read_as_such(tmp_path):
    """The first megabyte is decoded to guess the encoding; polars checks the rest as it
    cuts the lines, and a byte past it that is not UTF-8 makes the file ISO-8859-15."""
    f = Fec()
    for n in range(6000):
        f.invoice("20260105", "ACME", f"FA{n:05d}", "100.00")
    f.invoice("20260106", "ACME", "FZ1", "100.00")
    text = (
        f.text().replace("collectée", "collectee").replace("Facture FZ1", "Facture FZ1 réglée", 1)
    )
    raw = text.encode("iso8859_15")
    assert raw.index("é".encode("iso8859_15")) > 1_000_000
    path = tmp_path / "latin9-late.txt"
    path.write_bytes(raw)
    fec = read_fec(path)
    assert fec.errors == []
    assert fec.encoding == "iso-8859-15"
    assert fec.lines.filter(fec.lines["number"] == "FZ1")["label"][0] == "Facture FZ1 réglée"


def test_tab_separator_decimal_point_lf_and_header_in_any_case(tmp_path):
    f = Fec()
    f.invoice("20260105", "ACME", "FA1", "100.00")
    text = f.text().replace("\r\n", "\n").replace("|", "\t").replace(",", ".")
    text = text.replace("JournalCode", "JOURNALCODE").replace("CompAuxNum", "compauxnum")
    path = tmp_path / "tab.txt"
    path.write_text(text)
    fec = read_fec(path)
    assert fec.errors == []
    assert fec.lines["amount"].to_list() == [10000]


def test_montant_and_sens_instead_of_debit_and_credit(tmp_path):
    header = HEADER.replace("Debit|Credit", "Montant|Sens")
    rows = [
        "VT|Ventes|1|20260105|411000|Clients|ACME|Acme|FA1|20260105|Facture|120,00|D|||20260105||",
        "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture|120,00|C|||20260105||",
    ]
    path = tmp_path / "sens.txt"
    path.write_text("\n".join([header, *rows]) + "\n")
    fec = read_fec(path)
    assert fec.errors == []
    assert fec.lines["amount"].to_list() == [12000]


@pytest.mark.parametrize(
    ("debit", "cents"),
    [
        ("12,345", 1235),
        ("12,344", 1234),
        ("0,005", 1),
        (" 000000000007760,45", 776045),
        ("1 234,5", 123450),
        ("7", 700),
    ],
)
def test_amounts_are_exact_and_rounded_half_up(tmp_path, debit, cents):
    rows = [
        f"VT|Ventes|1|20260105|411000|Clients|ACME|Acme|FA1|20260105|Facture|{debit}|0|||20260105||",
        f"VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture|0|{debit}|||20260105||",
    ]
    path = tmp_path / "amounts.txt"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    fec = read_fec(path)
    assert fec.errors == []
    assert fec.lines["amount"].to_list() == [cents]


def test_customer_account_without_auxiliary_is_the_customer(tmp_path):
    rows = [
        "VT|Ventes|1|20260105|411DUPONT|Dupont SARL|||FA1|20260105|Facture|120,00|0|||20260105||",
        "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture|0|120,00|||20260105||",
    ]
    path = tmp_path / "own.txt"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    fec = read_fec(path)
    assert fec.errors == []
    assert fec.lines.select("customer_code", "customer_name").row(0) == ("411DUPONT", "Dupont SARL")


def test_two_lines_of_one_entry_for_one_customer_get_distinct_keys(tmp_path):
    rows = [
        "VT|Ventes|1|20260105|411000|Clients|ACME|Acme|FA1|20260105|Echeance 1|60,00|0|||20260105||",
        "VT|Ventes|1|20260105|411000|Clients|ACME|Acme|FA1|20260105|Echeance 2|60,00|0|||20260105||",
        "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture|0|120,00|||20260105||",
    ]
    path = tmp_path / "split.txt"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    keys = read_fec(path).lines["key"].to_list()
    assert len(set(keys)) == 2


def test_opening_journal_lines_are_flagged(tmp_path):
    f = Fec()
    f.opening("20260101", "ACME", "FA9", "50.00", piece_date="20251120")
    path = f.write(tmp_path / "an.txt")
    row = read_fec(path).lines.row(0, named=True)
    assert row["is_opening"] is True
    assert row["date"] == date(2025, 11, 20)
    assert row["entry_date"] == date(2026, 1, 1)


def test_a_directory_is_not_a_fec(tmp_path):
    with pytest.raises(InvalidInputError) as raised:
        read_fec(tmp_path)
    assert raised.value.code == "not_a_file"


def _entry(tmp_path, customer: str, *sales: str, sens: bool = False):
    rows = [
        f"VT|Ventes|1|20260105|411000|Clients|ACME|Acme|FA1|20260105|Facture|{customer}|0|||20260105||"
    ]
    rows += [
        f"VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture|0|{amount}|||20260105||"
        for amount in sales
    ]
    path = tmp_path / "decimals.txt"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return read_fec(path)


def test_an_entry_balanced_to_the_fourth_decimal_is_taken_though_its_rounded_lines_are_not(
    tmp_path,
):
    # 10.005 = 5.0025 + 5.0025 exactly; rounded line by line: 10.01 against 5.00 + 5.00
    fec = _entry(tmp_path, "10,005", "5,0025", "5,0025")
    assert fec.errors == []
    assert fec.lines["amount"].to_list() == [1001]  # rounded half-up once balanced


def test_an_entry_off_by_a_ten_thousandth_is_refused_with_its_exact_difference(tmp_path):
    # rounded line by line it would balance: 10.00 against 5.00 + 5.00
    fec = _entry(tmp_path, "10,0001", "5,0000", "5,0000")
    assert [(e.code, e.line, e.column) for e in fec.errors] == [("unbalanced_entry", 2, "Debit")]
    assert fec.errors[0].params == {"entry": "1", "journal": "VT", "difference": "0.0001"}
    assert fec.lines.height == 0
    assert fec.rejected_lines == {2, 3, 4}


def test_an_unbalanced_entry_with_cents_only_gives_its_difference_in_currency_units(tmp_path):
    fec = _entry(tmp_path, "10,00", "4,95")
    assert fec.errors[0].params["difference"] == "5.05"
    assert (
        fec.errors[0].message
        == "entry 1 of journal VT does not balance: debit minus credit is 5.05"
    )
    assert _entry(tmp_path, "1,00", "1,07").errors[0].params["difference"] == "-0.07"


def test_three_decimals_with_montant_and_sens_balance_exactly(tmp_path):
    header = HEADER.replace("Debit|Credit", "Montant|Sens")
    rows = [
        "VT|Ventes|1|20260105|411000|Clients|ACME|Acme|FA1|20260105|Facture|0,015|D|||20260105||",
        "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture|0,005|C|||20260105||",
        "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture|0,005|C|||20260105||",
        "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture|0,005|C|||20260105||",
    ]
    path = tmp_path / "sens.txt"
    path.write_text("\n".join([header, *rows]) + "\n")
    fec = read_fec(path)
    assert fec.errors == []
    assert fec.lines["amount"].to_list() == [2]
