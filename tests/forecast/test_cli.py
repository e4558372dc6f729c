"""`predict backtest` and `report forecast` on the command line: real processes, a real store."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.cli.test_contract import cp

FIGURES = {"mae_days", "within_7_days", "late_accuracy", "late_auc"}
BASELINES = {"due_date", "customer_average_delay", "customer_median_days_to_pay"}


def _env(path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
    env["CREDITPILOT_DATABASE_URL"] = f"sqlite:///{path / 'store.sqlite3'}"
    env["CREDITPILOT_DATA_DIR"] = str(path / "data")
    return env


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo")
    cp(_env(path), "demo", "--customers", "300")
    return path


@pytest.fixture
def demo(demo_store, tmp_path):
    shutil.copy(demo_store / "store.sqlite3", tmp_path / "store.sqlite3")
    return _env(tmp_path)


@pytest.fixture
def env(tmp_path):
    return _env(tmp_path)


def test_on_the_demo_the_backtest_beats_the_three_baselines_and_prints_every_figure(demo):
    for as_of in ("2025-12-01", "2026-06-01"):
        proc = cp(demo, "predict", "backtest", "--as-of", as_of, "--format", "json")
        result = json.loads(proc.stdout)
        assert set(result) == {"as_of", "n_train", "n_test", "model", "baselines"}
        assert result["as_of"] == as_of and result["n_train"] > 1000 and result["n_test"] > 500
        assert set(result["model"]) == FIGURES and set(result["baselines"]) == BASELINES
        methods = [result["model"], *result["baselines"].values()]
        for figures in methods:
            assert set(figures) == FIGURES
            assert all(isinstance(figures[f], float) for f in FIGURES), figures
            assert 0 <= figures["within_7_days"] <= 1 and 0 <= figures["late_accuracy"] <= 1
        for name, baseline in result["baselines"].items():
            assert result["model"]["mae_days"] < baseline["mae_days"], (as_of, name)
        assert result["model"]["late_auc"] > 0.5


def test_wrong_usage_and_nothing_to_test(demo):
    assert cp(demo, "predict", "backtest", "--as-of", "2026-06-01", "--format", "csv", ok=(2,))
    assert "not a date" in cp(demo, "predict", "backtest", "--as-of", "June", ok=(2,)).stderr
    # after the ledger's last day nothing was settled: refused, with its reason
    proc = cp(demo, "predict", "backtest", "--as-of", "2030-01-01", ok=(1,))
    assert "nothing to measure" in proc.stderr


def test_a_history_too_short_says_so_and_gives_the_baselines(env, tmp_path):
    cp(env, "init")
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms\nA,A SA,,FR,PME,NET30\n"
    )
    (tmp_path / "i.csv").write_text(
        "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount\n"
        "A,F1,2026-01-05,2026-02-04,100.00,EUR,2026-02-10,100.00\n"
        "A,F2,2026-03-05,2026-04-04,100.00,EUR,2026-04-14,100.00\n"
    )
    cp(env, "import", "customers", tmp_path / "c.csv")
    cp(env, "import", "invoices", tmp_path / "i.csv")
    proc = cp(env, "predict", "backtest", "--as-of", "2026-03-01")
    result = json.loads(proc.stdout)
    assert "history too short" in proc.stderr and "the baselines only" in proc.stderr
    assert result["model"] is None and "history too short" in result["fallback"]
    # F2 was paid on 14 April: the customer's average delay (6 days, from F1) says 10 April
    assert result["n_test"] == 1
    assert result["baselines"]["customer_average_delay"]["mae_days"] == 4.0
    assert result["baselines"]["due_date"]["mae_days"] == 10.0


def test_the_forecast_report_in_json_csv_and_xlsx(demo, tmp_path):
    body = json.loads(cp(demo, "report", "forecast", "--as-of", "2026-10-31").stdout)
    assert body["method"] == "model" and body["as_of"] == "2026-10-31"
    assert len(body["weeks"]) == 13 and len(body["months"]) == 6
    assert body["weeks"][0]["start"] == "2026-11-01" and body["weeks"][1]["start"] == "2026-11-02"
    assert body["months"][1] == {**body["months"][1], "start": "2026-12-01", "end": "2026-12-31"}
    for p in body["weeks"] + body["months"]:
        assert Decimal(p["low"]) <= Decimal(p["expected"]) <= Decimal(p["high"])
    # every cent open is expected in one of the weeks or after them
    spread = sum(Decimal(p["expected"]) for p in body["weeks"]) + Decimal(body["later"])
    assert abs(spread - Decimal(body["open"])) <= Decimal("0.10")
    for split in ("by_rating", "by_segment", "by_customer"):
        total = sum(Decimal(g["weeks"][2]["expected"]) for g in body[split])
        assert abs(total - Decimal(body["weeks"][2]["expected"])) <= Decimal("0.01") * len(
            body[split]
        )
    assert {g["key"] for g in body["by_segment"]} >= {"PME", "TPE"}

    raw = cp(demo, "report", "forecast", "--as-of", "2026-10-31", "--format", "csv",
             "--language", "fr", "-o", tmp_path / "f.csv")  # fmt: skip
    assert raw.returncode == 0
    data = (tmp_path / "f.csv").read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["répartition", "clé", "nom", "période"]
    assert rows[1][0] == "total" and rows[1][3] == "semaine" and "," in rows[1][6]
    assert Decimal(rows[1][6].replace(",", ".")) == Decimal(body["weeks"][0]["expected"])

    cp(demo, "report", "forecast", "--as-of", "2026-10-31", "--format", "xlsx",
       "-o", tmp_path / "f.xlsx")  # fmt: skip
    book = load_workbook(tmp_path / "f.xlsx")
    assert book.sheetnames == ["Weeks", "Months", "By rating", "By segment", "By customer"]
    assert book["Weeks"].max_row == 14 and book["Months"].max_row == 7
    assert cp(demo, "report", "forecast", "--format", "pdf", ok=(2,))
