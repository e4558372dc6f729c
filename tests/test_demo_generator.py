"""The demo generator writes FEC files an accounting package could have exported."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from stdnum.eu import vat
from stdnum.fr import siren

from creditpilot.demo import HEADER, DemoFiles, due_date, generate_demo

END = date(2026, 10, 31)
FY1 = (date(2024, 11, 1), date(2025, 10, 31))
FY2 = (date(2025, 11, 1), date(2026, 10, 31))
AMOUNT = re.compile(r"^\d+,\d{2}$")
COLUMNS = HEADER.split("|")


def rows(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    assert "\r" not in text
    lines = text.split("\n")
    assert lines[0] == HEADER
    assert lines[-1] == ""
    result = []
    for line in lines[1:-1]:
        assert line.count("|") == 17, line
        result.append(dict(zip(COLUMNS, line.split("|"), strict=True)))
    return result


def day(value: str) -> date:
    return datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007


def cents(value: str) -> int:
    euros, hundredths = value.split(",")
    return int(euros) * 100 + int(hundredths)


def signed(row: dict[str, str]) -> int:
    return cents(row["Debit"]) - cents(row["Credit"])


def receivable(row: dict[str, str]) -> bool:
    return row["CompteNum"].startswith(("411", "416"))


def customers_of(files: DemoFiles) -> list[dict[str, str]]:
    with files.customers.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo(tmp_path_factory.mktemp("demo"), customers=30, end=END, seed=7)


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo(
        tmp_path_factory.mktemp("single"), customers=30, lines=20_000, single_file=True
    )


def test_files_are_named_by_fiscal_year(demo: DemoFiles, single: DemoFiles) -> None:
    assert [p.name for p in demo.fec] == ["FEC_demo_FY2025.txt", "FEC_demo_FY2026.txt"]
    assert demo.customers.name == "customers.csv"
    assert len(single.fec) == 1


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    def contents(files: DemoFiles) -> list[bytes]:
        return [p.read_bytes() for p in [*files.fec, files.customers]]

    first = generate_demo(tmp_path / "a", customers=30, seed=3)
    again = generate_demo(tmp_path / "b", customers=30, seed=3)
    other = generate_demo(tmp_path / "c", customers=30, seed=4)
    assert contents(first) == contents(again)
    assert first.lines == again.lines
    assert contents(first)[0] != contents(other)[0]
    assert contents(first)[2] != contents(other)[2]


def test_format_dates_amounts_and_balanced_entries(demo: DemoFiles, single: DemoFiles) -> None:
    total = 0
    for path, (first, last) in [
        (demo.fec[0], FY1),
        (demo.fec[1], FY2),
        (single.fec[0], (FY1[0], FY2[1])),
    ]:
        data = rows(path)
        if path != single.fec[0]:
            total += len(data)
        entries: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
        for row in data:
            assert first <= day(row["EcritureDate"]) <= last
            assert day(row["PieceDate"]) <= day(row["EcritureDate"])
            day(row["ValidDate"])
            assert AMOUNT.match(row["Debit"]) and AMOUNT.match(row["Credit"]), row
            assert (cents(row["Debit"]) == 0) != (cents(row["Credit"]) == 0), row
            assert row["Montantdevise"] == row["Idevise"] == ""
            assert bool(row["EcritureLet"]) == bool(row["DateLet"])
            if row["DateLet"]:
                assert first <= day(row["DateLet"]) <= last
            assert bool(row["CompAuxNum"]) == receivable(row)
            assert row["JournalCode"] in {"VT", "BQ", "OD", "AN"}
            entries[row["JournalCode"], row["EcritureNum"]].append(row)
        for (journal, num), lines in entries.items():
            assert sum(signed(r) for r in lines) == 0, (journal, num)
            assert len({r["EcritureDate"] for r in lines}) == 1
            assert num.startswith(journal)
        journals = {j for j, _ in entries}
        assert ("AN" in journals) == (path == demo.fec[1])
        assert {"VT", "BQ"} <= journals
    assert total == demo.lines


def test_invoices_carry_vat_at_twenty_percent(demo: DemoFiles) -> None:
    by_entry: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in rows(demo.fec[0]):
        if row["JournalCode"] == "VT":
            by_entry[row["EcritureNum"], row["PieceRef"][:2]][row["CompteNum"]] = signed(row)
    assert {kind for _, kind in by_entry} == {"FA", "AV"}
    for (_, kind), accounts in by_entry.items():
        sign = 1 if kind == "FA" else -1
        ttc, ht, tax = (
            sign * accounts["411000"],
            -sign * accounts["706000"],
            -sign * accounts["445710"],
        )
        assert tax == (ht * 20 + 50) // 100
        assert ttc == ht + tax
        assert 0 < ht <= 2_500_000
        if kind == "FA":
            assert ht >= 5_000


def test_customers_file(demo: DemoFiles) -> None:
    header = demo.customers.read_text(encoding="utf-8").split("\n")[0]
    assert (
        header
        == "code,name,siren,country,segment,payment_terms,vat,sales_rep,email,credit_limit,currency"
    )
    customers = customers_of(demo)
    assert len(customers) == 30
    assert len({c["name"] for c in customers}) == 30
    assert len({c["code"] for c in customers}) == 30
    for c in customers:
        if c["country"] == "FR":
            assert siren.is_valid(c["siren"]), c
            assert vat.is_valid(c["vat"]) and c["vat"].endswith(c["siren"]), c
        else:
            assert c["country"] in {"BE", "DE", "ES"}
            assert c["siren"] == c["vat"] == ""
        assert c["segment"] in {"PME", "ETI", "GE", "TPE", "PUBLIC"}
        assert c["payment_terms"] in {
            "NET30",
            "NET45",
            "EOM45",
            "45EOM",
            "NET60",
            "NET90",
            "RECEIPT",
        }
        assert re.match(r"^\d+\.\d{2}$", c["credit_limit"]) and c["currency"] == "EUR"
        assert "@" in c["email"]
    big = generate_demo(demo.customers.parent / "big", customers=600, lines=2_000, single_file=True)
    names = [c["name"] for c in customers_of(big)]
    assert len(set(names)) == 600
    sirens = [c["siren"] for c in customers_of(big) if c["siren"]]
    assert all(siren.is_valid(s) for s in sirens) and len(set(sirens)) == len(sirens)


def test_opening_entries_restate_the_fy1_balance(demo: DemoFiles) -> None:
    fy1: dict[str, int] = defaultdict(int)
    for row in rows(demo.fec[0]):
        if receivable(row):
            fy1[row["CompAuxNum"]] += signed(row)
    opening: dict[str, int] = defaultdict(int)
    for row in rows(demo.fec[1]):
        if row["JournalCode"] == "AN":
            assert day(row["EcritureDate"]) == FY2[0]
            assert row["CompteNum"] in {"411000", "416000", "890000"}
            if receivable(row):
                assert day(row["PieceDate"]) <= FY1[1]
                opening[row["CompAuxNum"]] += signed(row)
    assert opening
    assert {k: v for k, v in fy1.items() if v} == {k: v for k, v in opening.items() if v}


def test_fy1_lines_settled_in_fy2_are_lettered_on_their_opening_line(demo: DemoFiles) -> None:
    lettered_an = [r for r in rows(demo.fec[1]) if r["JournalCode"] == "AN" and r["EcritureLet"]]
    assert lettered_an
    assert all(day(r["DateLet"]) >= FY2[0] for r in lettered_an)


def test_lettering_groups_balance(demo: DemoFiles, single: DemoFiles) -> None:
    for path in [*demo.fec, *single.fec]:
        groups: dict[tuple[str, str], int] = defaultdict(int)
        dates: dict[tuple[str, str], set[str]] = defaultdict(set)
        unlettered = 0
        for row in rows(path):
            if receivable(row) and row["EcritureLet"]:
                groups[row["CompAuxNum"], row["EcritureLet"]] += signed(row)
                dates[row["CompAuxNum"], row["EcritureLet"]].add(row["DateLet"])
            elif receivable(row):
                unlettered += 1
            else:
                assert row["EcritureLet"] == ""
        assert groups and unlettered
        assert all(total == 0 for total in groups.values()), path
        assert all(len(d) == 1 for d in dates.values())


def test_payments_quote_invoices_and_some_stay_unapplied(single: DemoFiles) -> None:
    payments = [r for r in rows(single.fec[0]) if r["JournalCode"] == "BQ" and receivable(r)]
    quoting = [r for r in payments if "FA20" in r["EcritureLib"]]
    assert 0.6 < len(quoting) / len(payments) < 0.95
    assert any(r["EcritureLib"].startswith("Règlement FA") for r in payments)
    assert any(
        r["EcritureLib"].startswith(("VIR SEPA", "CHQ")) and not r["EcritureLet"] for r in payments
    )
    assert all(re.match(r"^REL\d{4}-\d{2}$", r["PieceRef"]) for r in payments)


def test_one_customer_goes_to_doubtful(demo: DemoFiles) -> None:
    fy2 = rows(demo.fec[1])
    od = [r for r in fy2 if r["JournalCode"] == "OD"]
    assert {r["CompteNum"] for r in od} == {"411000", "416000"}
    (code,) = {r["CompAuxNum"] for r in od}
    assert {r["PieceRef"] for r in od} == {f"OD-DOUTEUX-{code}"}
    moved = next(r for r in od if r["CompteNum"] == "411000")
    assert moved["EcritureLet"] and cents(moved["Credit"]) > 0
    transfer = day(moved["EcritureDate"])
    assert date(2026, 1, 1) <= transfer <= date(2026, 4, 30)
    later = [r for r in fy2 if r["CompAuxNum"] == code and day(r["EcritureDate"]) > transfer]
    assert later == []
    balance_411 = sum(
        signed(r) for r in fy2 if r["CompAuxNum"] == code and r["CompteNum"] == "411000"
    )
    assert balance_411 == 0


def test_lines_target_single_file(single: DemoFiles) -> None:
    data = rows(single.fec[0])
    assert 19_600 <= len(data) <= 20_400
    assert len(data) == single.lines


def test_due_dates() -> None:
    assert due_date(date(2026, 1, 10), "NET30") == date(2026, 2, 9)
    assert due_date(date(2026, 1, 10), "EOM45") == date(2026, 2, 28)
    assert due_date(date(2026, 1, 10), "45EOM") == date(2026, 3, 17)
    assert due_date(date(2026, 1, 10), "RECEIPT") == date(2026, 1, 10)
    assert due_date(date(2026, 1, 10), "NET90") == date(2026, 4, 10)


def test_end_of_period_aged_balance_is_varied(single: DemoFiles) -> None:
    terms = {c["code"]: c["payment_terms"] for c in customers_of(single)}
    data = rows(single.fec[0])
    quoted = set()
    for row in data:
        if row["JournalCode"] == "BQ":
            quoted.update(re.findall(r"FA\d{4}-\d{6}", row["EcritureLib"]))
    buckets: dict[str, int] = defaultdict(int)
    for row in data:
        is_invoice = (
            row["JournalCode"] == "VT"
            and row["CompteNum"] == "411000"
            and row["PieceRef"].startswith("FA")
        )
        if is_invoice and not row["EcritureLet"] and row["PieceRef"] not in quoted:
            late = (END - due_date(day(row["PieceDate"]), terms[row["CompAuxNum"]])).days
            bucket = (
                "not due"
                if late <= 0
                else "1-30"
                if late <= 30
                else "31-60"
                if late <= 60
                else "61-90"
            )
            buckets["over 90" if late > 90 else bucket] += 1
    assert set(buckets) == {"not due", "1-30", "31-60", "61-90", "over 90"}, buckets
