"""Reasons for refused rows are made from the readers' codes and params, in the reader's language."""

from __future__ import annotations

import string

import pytest
from django.utils import translation

from creditpilot.core.reasons import REASONS
from creditpilot.readers.customers import read_customers
from creditpilot.readers.fec import read_fec
from creditpilot.web.reasons import reason
from tests.fecbuilder import HEADER, Fec


def bad_fec(tmp_path):
    fec = Fec()
    fec.invoice("20261341", "ACME", "FA1", "120")  # a bad date
    fec.invoice("20260110", "GLOBEX", "FA2", "120")
    fec.lines[3] = fec.lines[3].replace("|120,00|", "|12,3,4|")  # a bad amount
    fec.invoice("20260111", "INITECH", "FA3", "120")
    fec.lines[6] = fec.lines[6].replace("|120,00|", "|121,50|")  # an unbalanced entry
    fec.invoice("20260112", "", "FA4", "120")  # a customer line without customer
    fec.invoice("20260113", "UMBRELLA", "FA5", "120")
    fec.lines[12] = fec.lines[12].replace("VT|VT|", "VT|", 1)  # a short row
    fec.invoice("20260114", "HOOLI", "FA6", "120")
    fec.lines[15] = fec.lines[15].replace("|VT00006|", "||", 1)  # no entry number
    path = tmp_path / "bad.txt"
    path.write_text("\n".join([HEADER, *fec.lines]) + "\n", encoding="utf-8")
    return [e.as_dict() for e in read_fec(path).errors]


def test_every_row_error_of_a_bad_fec_has_params_and_reads_in_french(tmp_path):
    errors = bad_fec(tmp_path)
    assert {e["code"] for e in errors} >= {
        "bad_date",
        "bad_amount",
        "unbalanced_entry",
        "no_customer",
        "wrong_field_count",
        "missing_value",
    }
    by_code = {e["code"]: e for e in errors}
    unbalanced = [e for e in errors if e["params"].get("entry") == "VT00003"]
    assert by_code["bad_date"]["params"] == {"value": "20261341", "format": "YYYYMMDD"}
    assert by_code["wrong_field_count"]["params"] == {"expected": 18, "found": 17}
    with translation.override("fr"):
        assert reason(by_code["bad_date"]) == "date invalide (AAAAMMJJ attendu) : « 20261341 »"
        assert reason(unbalanced[0]) == (
            "l'écriture VT00003 du journal VT n'est pas équilibrée : débit moins crédit = 1,50"
        )
        assert reason(by_code["missing_value"]) == "EcritureNum est vide"
        assert reason(by_code["wrong_field_count"]) == "18 champs attendus, 17 trouvés"
        for error in errors:
            assert reason(error) != error["message"], error
    with translation.override("en"):
        # the English reason is the reader's own message: one catalogue makes both
        assert all(reason(e) == e["message"] for e in errors)


def test_rows_of_a_customers_list_read_in_french(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(
        "code,name,siren,country,segment,payment_terms\n"
        "C1,,123456789,FRA,SME,NET30\n"
        "C1,Acme,12345,FR,SME,someday\n",
        encoding="utf-8",
    )
    _, errors = read_customers(path)
    codes = [(e.code, e.params.get("variant")) for e in errors]
    assert ("bad_siren", "checksum") in codes and ("bad_siren", "length") in codes
    with translation.override("fr"):
        french = [reason(e.as_dict()) for e in errors]
    assert "SIREN invalide « 12345 » (9 chiffres attendus)" in french
    assert "conditions de paiement inconnues : « someday »" in french
    assert "name est vide" in french


@pytest.mark.parametrize("key", sorted(REASONS))
def test_every_reason_of_the_catalogue_has_a_french_wording_with_the_same_params(key):
    english = REASONS[key]
    with translation.override("fr"):
        french = translation.gettext(english)
    assert french != english
    placeholders = sorted(set(_placeholders(english)))
    assert sorted(set(_placeholders(french))) == placeholders


def test_an_error_stored_without_params_keeps_its_message():
    stored = {"code": "bad_date", "message": "not a date (YYYYMMDD): '2026'"}
    with translation.override("fr"):
        assert reason(stored) == stored["message"]


def _placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def test_days_in_a_reason_are_written_as_the_pages_write_them():
    notice = {
        "code": "opening_restated",
        "params": {"start": "2026-01-01", "customer": "ACME", "amount": "-120.50", "held": "0.00"},
    }
    with translation.override("fr"):
        said = reason(notice)
    assert "1 janv. 2026" in said and "2026-01-01" not in said, said
    assert "-120,50" in said, said
    with translation.override("en"):
        assert "1 Jan 2026" in reason(notice)  # as the English pages say it
    # a value the file gave is quoted as it was, even when it looks like a day
    refused = {"code": "bad_date", "params": {"value": "2026-01-01", "format": "YYYYMMDD"}}
    with translation.override("fr"):
        assert "« 2026-01-01 »" in reason(refused)
    row = {"code": "due_before_date", "params": {"due_date": "2026-02-30", "date": "2026-03-01"}}
    with translation.override("fr"):
        assert "2026-02-30" in reason(row) and "1 mars 2026" in reason(row)
