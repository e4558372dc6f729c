"""``creditpilot report aging --by``: a real process, the hand ledger (figures in
tests/store/test_aging_groups.py)."""

from __future__ import annotations

import json

from tests.cli.test_contract import cp, env  # noqa: F401  (the fixture)
from tests.fecbuilder import hand_ledger
from tests.store.test_aging_groups import CUSTOMERS


def test_report_aging_by_sales_rep_and_wrong_groupings(env, tmp_path):  # noqa: F811
    cp(env, "init")
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS)
    cp(env, "import", "customers", customers)
    cp(env, "import", "fec", hand_ledger().write(tmp_path / "FEC.txt"))
    args = ("report", "aging", "--as-of", "2026-06-30")
    body = json.loads(cp(env, *args, "--by", "sales_rep").stdout)
    assert list(body) == ["as_of", "currency", "by", "total", "buckets", "groups"]
    assert [(g["key"], g["total"]) for g in body["groups"]] == [
        ("Alice", "300.00"),
        ("Bob", "8050.00"),
    ]
    csv_lines = cp(env, *args, "--by", "currency", "--format", "csv").stdout.splitlines()
    assert csv_lines[0].startswith("currency,total,")
    assert [line.split(",")[:2] for line in csv_lines[1:]] == [
        ["CHF", "-400.00"],
        ["EUR", "5550.00"],
        ["USD", "3200.00"],
        ["TOTAL", "8350.00"],
    ]
    default = json.loads(cp(env, *args).stdout)
    assert default == json.loads(cp(env, *args, "--by", "customer").stdout)
    assert "customers" in default
    wrong = cp(env, *args, "--by", "country", ok=(2,))
    assert "--by" in wrong.stderr and len(wrong.stderr.strip().splitlines()) == 1
