"""The command-line contract of SPEC §4, run as a user runs it: a real process, a real store file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fecbuilder import hand_ledger

CLI = [sys.executable, "-m", "creditpilot"]


@pytest.fixture
def env(tmp_path):
    # as a user's shell: no CREDITPILOT_ variable, and no Django settings module (pytest's)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CREDITPILOT_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env["CREDITPILOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    env["CREDITPILOT_DATA_DIR"] = str(tmp_path / "data")
    return env


def cp(env, *args, ok=(0,)):
    proc = subprocess.run(
        [*CLI, *map(str, args)], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode in ok, proc.stderr
    return proc


def store_bytes(env):
    path = Path(env["CREDITPILOT_DATABASE_URL"].removeprefix("sqlite:///"))
    return path.read_bytes() if path.exists() else b""


def test_init_import_and_reports_through_the_command_line(env, tmp_path):
    assert "created" in cp(env, "init").stdout
    assert "created" not in cp(env, "init").stdout  # idempotent
    fec = hand_ledger().write(tmp_path / "FEC.txt")
    first = cp(env, "import", "fec", fec)
    assert "imported" in first.stdout
    again = cp(env, "import", "fec", fec)
    assert "nothing changed" in again.stdout

    aging = json.loads(
        cp(env, "report", "aging", "--as-of", "2026-06-30", "--format", "json").stdout
    )
    assert aging["as_of"] == "2026-06-30"
    assert aging["currency"] == "EUR"
    assert aging["total"] == "8350.00"
    assert set(aging["buckets"]) == {"not_due", "1_30", "31_60", "61_90", "over_90", "unapplied"}
    assert {"code", "name", "total", "buckets"} <= set(aging["customers"][0])

    kpis = json.loads(cp(env, "report", "kpis", "--as-of", "2026-06-30", "--format", "json").stdout)
    assert (kpis["dso"], kpis["best_possible_dso"], kpis["add"]) == ("60.6", "48.8", "11.8")

    csv_text = cp(env, "report", "aging", "--as-of", "2026-06-30", "--format", "csv").stdout
    assert csv_text.splitlines()[0] == "code,name,total,not_due,1_30,31_60,61_90,over_90,unapplied"
    assert csv_text.splitlines()[-1].startswith("TOTAL,,8350.00,5200.00")

    xlsx = tmp_path / "aging.xlsx"
    cp(env, "report", "aging", "--as-of", "2026-06-30", "--format", "xlsx", "--output", xlsx)
    assert xlsx.read_bytes()[:2] == b"PK"
    pdf = tmp_path / "aging.pdf"
    cp(env, "report", "aging", "--as-of", "2026-06-30", "--format", "pdf", "--output", pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"

    st = json.loads(
        cp(env, "report", "statement", "--customer", "GLOBEX", "--as-of", "2026-06-30").stdout
    )
    assert st["balance"] == "3200.00"

    assert "receivables 8350.00" in cp(env, "run", "--as-of", "2026-06-30").stdout


@pytest.mark.parametrize(
    "content",
    [b"", b"JournalCode|x\n", b"\x00\x01\x02garbage" * 100],
    ids=["empty", "wrong columns", "binary"],
)
def test_bad_input_exits_1_with_one_line_on_stderr_and_leaves_the_store(env, tmp_path, content):
    cp(env, "init")
    cp(env, "import", "fec", hand_ledger().write(tmp_path / "good.txt"))
    before = cp(env, "report", "aging", "--as-of", "2026-06-30").stdout
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    proc = cp(env, "import", "fec", bad, ok=(1,))
    first = proc.stderr.splitlines()[0]
    assert first.startswith("error: ") and str(bad) in first
    assert cp(env, "report", "aging", "--as-of", "2026-06-30").stdout == before


def test_a_refused_file_lists_every_rejected_row_with_line_and_column(env, tmp_path):
    cp(env, "init")
    text = hand_ledger().text().splitlines()
    text[1] = text[1].replace("20260410", "20261341", 1)
    text[4] = text[4].replace("1200,00", "12,3,4")
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(text) + "\n")
    proc = cp(env, "import", "fec", bad, ok=(1,))
    assert "line 2, column EcritureDate" in proc.stderr
    assert "line 5, column" in proc.stderr
    assert store_bytes(env)  # the store exists, untouched by the refused file
    aging = json.loads(cp(env, "report", "aging", "--as-of", "2026-06-30").stdout)
    assert aging["total"] == "0.00"


def test_wrong_usage_exits_2(env):
    cp(env, "init")
    assert cp(env, "report", "aging", "--as-of", "2026-13-45", ok=(2,)).stderr.startswith("error: ")
    assert cp(env, "report", "aging", "--format", "docx", ok=(2,)).stderr.count("\n") == 1
    cp(env, "frobnicate", ok=(2,))
    cp(env, "report", "aging", "--company", "NOPE", ok=(2,))


def test_a_path_that_does_not_exist_exits_1(env, tmp_path):
    cp(env, "init")
    proc = cp(env, "import", "fec", tmp_path / "missing.txt", ok=(1,))
    assert "no such file" in proc.stderr


def test_company_is_required_once_the_store_holds_two(env, tmp_path):
    cp(env, "init")
    cp(env, "company", "add", "SECOND", "Second SAS")
    assert "--company" in cp(env, "report", "aging", ok=(2,)).stderr
    fec = hand_ledger().write(tmp_path / "FEC.txt")
    cp(env, "import", "fec", fec, "--company", "SECOND")
    second = json.loads(
        cp(env, "report", "aging", "--as-of", "2026-06-30", "--company", "SECOND").stdout
    )
    first = json.loads(
        cp(env, "report", "aging", "--as-of", "2026-06-30", "--company", "default").stdout
    )
    assert (second["total"], first["total"]) == ("8350.00", "0.00")


def test_a_fec_of_another_company_is_refused_unless_forced(env, tmp_path):
    from tests.fecbuilder import Fec

    cp(env, "init")
    cp(env, "import", "fec", hand_ledger().write(tmp_path / "FEC2026.txt"))
    other = Fec()
    other.invoice("20210502", "PARTNER_A", "INV/2021/0001", "776.45")
    path = other.write(tmp_path / "odoo_l10n_fr_fec.txt")
    before = store_bytes(env)
    refused = cp(env, "import", "fec", path, ok=(1,))
    assert refused.stderr.count("\n") == 1
    assert refused.stderr.startswith(f"error: {path}: none of the file's customers (1) is known")
    assert "--force" in refused.stderr
    assert store_bytes(env) == before
    forced = cp(env, "import", "fec", path, "--force")
    assert "imported" in forced.stdout
    assert "warning: none of the file's customers (1) is known" in forced.stderr


def test_a_fec_named_for_another_siren_is_refused(env, tmp_path):
    import sqlite3

    from tests.fecbuilder import Fec

    cp(env, "init")
    store = sqlite3.connect(env["CREDITPILOT_DATABASE_URL"].removeprefix("sqlite:///"))
    with store:
        store.execute("UPDATE companies_company SET siren = '732829320'")
    store.close()
    f = Fec()
    f.invoice("20260105", "ACME", "FA1", "100.00")
    refused = cp(env, "import", "fec", f.write(tmp_path / "552100554FEC20261231.txt"), ok=(1,))
    assert "SIREN 552100554, the company's is 732829320" in refused.stderr
    assert (
        "imported"
        in cp(env, "import", "fec", tmp_path / "552100554FEC20261231.txt", "--force").stdout
    )
