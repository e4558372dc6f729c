"""A full read cuts the fields out of the whole file at once (polars' CSV reader) when every
line after the header is a line of the file's frame; otherwise each line is cut on its own.
Both ways read any file alike: the same lines, the same refusals, to the character."""

from __future__ import annotations

import dataclasses

import pytest

from creditpilot.readers.fec import read_fec_text, split_fec
from tests.fecbuilder import hand_ledger


def _variants() -> dict[str, tuple[str, str]]:
    """Files that differ in the ways a reader can trip on: (text, encoding)."""
    plain = hand_ledger().text()  # CRLF
    padded = hand_ledger()
    padded.lines[0] = padded.lines[0].replace("VT|VT|VT00001|", ' "VT" |VT| VT00001 |', 1)
    ragged = hand_ledger()
    ragged.lines.append("VT|VT|VT00099|20260701|411000")  # too few fields
    ragged.lines.append(ragged.lines[3] + "|extra")  # too many
    ragged.lines.append(ragged.lines[4] + "|")  # one empty field too many
    bad_values = hand_ledger()
    bad_values.lines[2] = bad_values.lines[2].replace("20260", "2026x", 1)
    return {
        "plain": (plain, "utf-8"),
        "lf": (plain.replace("\r\n", "\n"), "utf-8"),
        "no final newline": (plain.rstrip("\r\n"), "utf-8"),
        "bare cr in a label": (plain.replace("Facture", "Fac\rture", 2), "utf-8"),
        "padded and quoted": (padded.text(), "iso8859_15"),
        "ragged": (ragged.text(), "utf-8"),
        "bad values": (bad_values.text(), "utf-8"),
        "trailing separators": (plain.replace("\r\n", "|\r\n"), "utf-8"),
        "blank line": (plain.replace("\r\n", "\r\n\r\n", 3), "utf-8"),
        "tabs": (plain.replace("|", "\t"), "utf-8"),
    }


@pytest.mark.parametrize("variant", list(_variants()))
def test_cutting_the_whole_file_reads_what_cutting_each_line_reads(tmp_path, variant):
    body, encoding = _variants()[variant]
    path = tmp_path / "fec.txt"
    path.write_bytes(body.encode(encoding))
    text = split_fec(path)
    assert (text.data is not None) == (variant != "blank line")
    by_line = read_fec_text(dataclasses.replace(text, data=None))
    at_once = read_fec_text(text)
    assert text.data is None  # let go of after the full read
    assert at_once.lines.equals(by_line.lines)
    assert [str(e) for e in at_once.errors] == [str(e) for e in by_line.errors]
    assert at_once.rejected_lines == by_line.rejected_lines
    assert at_once.lines.height > 0
