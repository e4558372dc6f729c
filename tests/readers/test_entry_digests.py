"""Entry digests (the next day's export, receivables/digests.py): the cheap pre-pass groups
and digests the lines exactly as a full read does, whatever the file looks like."""

from __future__ import annotations

import polars as pl
import pytest

from creditpilot.core.errors import InvalidInputError
from creditpilot.readers.fec import ReadAhead, entry_digests, read_fec_text, split_fec
from tests.fecbuilder import Fec, hand_ledger


def _same_digests(path) -> pl.DataFrame:
    text = split_fec(path)
    cheap = entry_digests(text).sort("entry")
    full = read_fec_text(text, digests=True).entries
    assert full is not None
    assert cheap.equals(full.sort("entry"))
    return cheap


def test_the_pre_pass_digests_the_entries_as_a_full_read_does(tmp_path):
    fec = hand_ledger()
    # padded and quoted keys group with the plain lines of their entry, as the reader trims
    fec.lines[0] = fec.lines[0].replace("VT|VT|VT00001|", ' "VT" |VT| VT00001 |', 1)
    fec.lines.append("VT|VT|VT00099|20260701|411000")  # too few fields
    fec.lines.append(fec.lines[3] + "|extra")  # too many
    entries = _same_digests(fec.write(tmp_path / "f.txt", encoding="iso8859_15"))
    assert entries.height == fec.counter + 1  # the short line's entry is one of its own
    grouped = entries.filter(pl.col("lines").list.contains(2))
    assert grouped["lines"].to_list()[0][:3] == [2, 3, 4]


def test_an_entry_digest_changes_with_any_byte_and_with_the_order_of_its_lines(tmp_path):
    fec = Fec()
    fec.invoice("20260105", "ACME", "FA1", "120.00")
    fec.invoice("20260106", "GLOBEX", "FA2", "240.00")
    first = _same_digests(fec.write(tmp_path / "a.txt"))
    moved = Fec(lines=[*fec.lines[3:], *fec.lines[:3]])  # the entries swapped: same digests
    assert _same_digests(moved.write(tmp_path / "b.txt")).drop("lines").equals(first.drop("lines"))
    swapped = Fec(lines=[fec.lines[1], fec.lines[0], *fec.lines[2:]])  # two lines of one entry
    changed = Fec(lines=[fec.lines[0].replace("120,00", "120,01"), *fec.lines[1:]])
    for other in (swapped, changed):
        digests = _same_digests(other.write(tmp_path / "c.txt"))
        assert digests.join(first, on=["entry"], how="semi").height == 1


def test_the_read_ahead_gives_the_file_and_its_digests_as_read_in_line(tmp_path):
    path = hand_ledger().write(tmp_path / "f.txt")
    ahead = ReadAhead(path)
    text = split_fec(path)
    assert ahead.text().content_hash == text.content_hash
    assert ahead.text().frame.equals(text.frame)
    assert ahead.entries().sort("entry").equals(entry_digests(text).sort("entry"))


def test_the_read_ahead_raises_what_reading_the_file_raises(tmp_path):
    ahead = ReadAhead(tmp_path / "missing.txt")
    with pytest.raises(InvalidInputError) as err:
        ahead.text()
    assert err.value.code == "file_not_found"
    with pytest.raises(InvalidInputError):
        ahead.entries()


def test_an_entry_whose_lines_are_apart_is_one_entry_with_all_its_lines(tmp_path):
    """Exports write an entry's lines one after the other, and the entries are read as runs
    of lines; an entry whose lines are apart is still one entry, with the same digest."""
    fec = Fec()
    fec.invoice("20260105", "ACME", "FA1", "120.00")
    fec.invoice("20260106", "GLOBEX", "FA2", "240.00")
    together = _same_digests(fec.write(tmp_path / "a.txt"))
    assert sorted(together["lines"].to_list()) == [[2, 3, 4], [5, 6, 7]]
    apart = Fec(lines=[fec.lines[0], fec.lines[1], *fec.lines[3:], fec.lines[2]])
    digests = _same_digests(apart.write(tmp_path / "b.txt"))
    assert sorted(digests["lines"].to_list()) == [[2, 3, 7], [4, 5, 6]]
    assert digests.drop("lines").sort("entry").equals(together.drop("lines").sort("entry"))


def test_an_entry_digest_is_the_same_however_the_lines_are_summed_up(tmp_path):
    """Runs of lines one after the other and on one date are summed up at their ends; a
    blank line inside an entry, or an entry on two dates, has its lines grouped: the same
    lines give the same digest either way, and an entry's dates are its least and greatest."""
    fec = Fec()
    fec.invoice("20260105", "ACME", "FA1", "120.00")
    fec.invoice("20260106", "GLOBEX", "FA2", "240.00")
    plain = _same_digests(fec.write(tmp_path / "a.txt"))
    blank = Fec(lines=[fec.lines[0], "", *fec.lines[1:]])
    digests = _same_digests(blank.write(tmp_path / "b.txt"))
    assert sorted(digests["lines"].to_list()) == [[2, 4, 5], [6, 7, 8]]
    assert digests.drop("lines").sort("entry").equals(plain.drop("lines").sort("entry"))
    two_dates = Fec(lines=[*fec.lines[:5], fec.lines[5].replace("|20260106|", "|20260107|", 1)])
    digests = _same_digests(two_dates.write(tmp_path / "c.txt")).sort("first_date")
    assert digests.select("first_date", "last_date").rows() == [
        (20260105, 20260105),
        (20260106, 20260107),
    ]
    assert digests.join(plain, on="entry", how="semi").height == 1  # FA1's, unchanged
