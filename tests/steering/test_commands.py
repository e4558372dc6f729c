"""The command line: the daily run fills the KPI history (and says which month ends it
backfilled), ``report kpi-history`` prints it, ``report management`` writes the PDF/XLSX."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import openpyxl
import pytest
from pypdf import PdfReader

from tests.steering.conftest import CUSTOMERS, INVOICES

pytestmark = [pytest.mark.store]


@pytest.fixture
def cp(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CREDITPILOT_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env["CREDITPILOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    env["CREDITPILOT_DATA_DIR"] = str(tmp_path / "data")

    def run(*args: str, ok: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "creditpilot", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == ok, done.stderr
        return done

    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "i.csv").write_text(INVOICES)
    run("init")
    run("import", "customers", str(tmp_path / "c.csv"))
    run("import", "invoices", str(tmp_path / "i.csv"))
    return run


def test_the_history_and_the_report_from_the_command_line(cp, tmp_path):
    ran = cp("run", "--as-of", "2026-03-05")
    assert "KPI snapshots: 2026-02-28, 1 backfilled (2026-01-31 to 2026-01-31)" in ran.stdout
    body = json.loads(cp("report", "kpi-history").stdout)
    assert [(s["month_end"], s["dso"], s["backfilled"]) for s in body["snapshots"]] == [
        ("2026-01-31", "31.0", True),
        ("2026-02-28", "48.7", False),
    ]
    by_rep = list(csv.DictReader(io.StringIO(cp("report", "kpi-history", "--by", "sales_rep",
                                                "--format", "csv").stdout)))  # fmt: skip
    assert [(r["key"], r["month_end"], r["total"]) for r in by_rep] == [
        ("alice", "2026-01-31", "1000.00"),
        ("alice", "2026-02-28", "600.00"),
        ("bob", "2026-01-31", "2000.00"),
        ("bob", "2026-02-28", "2400.00"),
    ]
    cp("report", "management", "--month-end", "2026-02-28", "-o", str(tmp_path / "r.pdf"))
    text = " ".join(p.extract_text() for p in PdfReader(tmp_path / "r.pdf").pages)
    assert "Rapport mensuel de crédit" in text and "48,7" in text
    cp("report", "management", "--month-end", "2026-02-28", "--format", "xlsx",
       "--language", "en", "-o", str(tmp_path / "r.xlsx"))  # fmt: skip
    assert "Top risks" in openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames
    refused = cp("report", "management", "--month-end", "2026-02-27", ok=1)
    assert refused.stderr.strip() == (
        "error: 2026-02-27 is not the last day of a month (the month's is 2026-02-28)"
    )
    assert cp("report", "management", "--month-end", "2026-02-28", "--format", "csv", ok=2)
