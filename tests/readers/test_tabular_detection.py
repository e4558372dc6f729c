"""How a CSV's encoding and delimiter are found: UTF-16 only when it is text, line ends of any kind."""

from __future__ import annotations

import pytest

from creditpilot.core.errors import InvalidInputError
from creditpilot.readers.tabular import is_utf16, read_table


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_named_so_with_or_without_byte_order_mark(tmp_path, encoding):
    path = tmp_path / "clients.csv"
    path.write_bytes("code,name\nACME,Acme\n".encode(encoding))
    with pytest.raises(InvalidInputError) as raised:
        read_table(path)
    assert raised.value.code == "bad_encoding"


@pytest.mark.parametrize(
    "content",
    [
        bytes(5000),
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" * 100,
        b"\xff\xfe" + bytes(100),
    ],
    ids=["zeros", "zip header", "a byte-order mark before zeros"],
)
def test_a_binary_file_is_not_called_utf16(tmp_path, content):
    assert not is_utf16(content)
    path = tmp_path / "clients.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as raised:
        read_table(path)
    assert raised.value.code == "not_text"


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n"])
def test_any_line_end_is_read(tmp_path, end):
    path = tmp_path / "clients.csv"
    path.write_text(end.join(["code;name", "ACME;Acme", "HOOLI;Hooli", ""]), newline="")
    assert read_table(path) == (["code", "name"], [(2, ["ACME", "Acme"]), (3, ["HOOLI", "Hooli"])])


def test_a_bare_cr_inside_the_first_line_does_not_break_the_delimiter(tmp_path):
    path = tmp_path / "clients.csv"
    path.write_bytes(b"code;name\rACME;Acme\nHOOLI;Hooli\n")
    header, rows = read_table(path)
    assert header == ["code", "name"]
    assert [cells for _, cells in rows] == [["ACME", "Acme"], ["HOOLI", "Hooli"]]


def test_a_header_with_many_columns_is_read_whatever_delimiter_is_tried(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(40_000)) + "\nA,B\n")
    header, rows = read_table(path)
    assert len(header) == 40_000 and rows == [(2, ["A", "B"])]


def test_a_field_beyond_the_csv_limit_is_refused_on_its_line(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("code,name\nA," + "x" * 200_000 + "\n")
    with pytest.raises(InvalidInputError) as raised:
        read_table(path)
    assert (raised.value.code, raised.value.params.get("line")) == ("bad_csv", 2)
