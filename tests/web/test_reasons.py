"""The French wordings of the readers' reasons follow the readers' real messages."""

from __future__ import annotations

from django.utils import translation

from creditpilot.readers.fec import read_fec
from creditpilot.web.reasons import FRENCH, reason
from tests.fecbuilder import HEADER, Fec


def test_every_row_error_of_a_bad_fec_reads_in_french(tmp_path):
    fec = Fec()
    fec.invoice("20261341", "ACME", "FA1", "120")  # a bad date
    fec.invoice("20260110", "GLOBEX", "FA2", "120")
    fec.lines[3] = fec.lines[3].replace("|120,00|", "|12,3,4|")  # a bad amount
    fec.invoice("20260111", "INITECH", "FA3", "120")
    fec.lines[6] = fec.lines[6].replace("|120,00|", "|121,00|")  # an unbalanced entry
    fec.invoice("20260112", "", "FA4", "120")  # a customer line without customer
    fec.invoice("20260113", "UMBRELLA", "FA5", "120")
    fec.lines[12] = fec.lines[12].replace("VT|VT|", "VT|", 1)  # a short row
    fec.invoice("20260114", "HOOLI", "FA6", "120")
    fec.lines[15] = fec.lines[15].replace("|Facture FA6|", "||", 1)  # an empty label
    path = tmp_path / "bad.txt"
    path.write_text("\n".join([HEADER, *fec.lines]) + "\n", encoding="utf-8")
    errors = [e.as_dict() for e in read_fec(path).errors]
    codes = {e["code"] for e in errors}
    assert {
        "bad_date",
        "bad_amount",
        "unbalanced_entry",
        "no_customer",
        "wrong_field_count",
    } <= codes
    with translation.override("fr"):
        for error in errors:
            if error["code"] in FRENCH:
                assert reason(error) != error["message"], error
    with translation.override("en"):
        assert all(reason(e) == e["message"] for e in errors)
