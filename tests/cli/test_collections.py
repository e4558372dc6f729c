"""Collections on the command line (interest, rates, promises, disputes): real processes, a real store."""

from __future__ import annotations

import json
import os

import pytest

from tests.cli.test_contract import cp


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
    env["CREDITPILOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    env["CREDITPILOT_DATA_DIR"] = str(tmp_path / "data")
    return env


# as of 31 July 2025 (ECB rate 3.15 on 1 January 2025 and 2.15 on 1 July; 4.25 on 1 July 2024):
#  ACME/F1 10,000.00 due 2025-06-20, 4,000.00 paid 2025-07-05 (hand computed in tests/core):
#    10 d x 10,000 x 13.15 % + 4 d x 10,000 x 12.15 % + 27 d x 6,000 x 12.15 %, / 365 = 103.27
#  GLOBEX/G1 2,500.00 due 2024-12-15, 1,000.00 paid 2025-01-10:
#    16 d x 2,500 x 14.25 % + 9 d x 2,500 x 13.15 % + 172 d x 1,500 x 13.15 %
#    + 31 d x 1,500 x 12.15 %, / 365 = (57,000,000 + 29,587,500 + 339,270,000 + 56,497,500)
#    / 36,500 cents = 13,215.2055 cents = 132.15
#  not listed: ACME/F2 due on the as-of date, GLOBEX/G2 paid late in full, ACME/F3 not due,
#  ACME/F4 dated after the as-of date; GLOBEX/G3 paid after the as-of date counts in full:
#    3 d x 100.00 x 12.15 % / 365 = 0.0999 -> 0.10
CUSTOMERS = """code,name,siren,country,segment,payment_terms
ACME,Acme SA,,FR,,NET30
GLOBEX,Globex SARL,,FR,,NET30
"""
INVOICES = """customer_code,number,date,due_date,amount,currency,paid_date,paid_amount,disputed
ACME,F1,2025-05-21,2025-06-20,10000.00,EUR,2025-07-05,4000.00,no
ACME,F2,2025-07-01,2025-07-31,500.00,EUR,,,no
ACME,F3,2025-07-15,2025-08-14,700.00,EUR,,,no
ACME,F4,2025-08-02,2025-09-01,900.00,EUR,,,no
GLOBEX,G1,2024-11-15,2024-12-15,2500.00,EUR,2025-01-10,1000.00,no
GLOBEX,G2,2025-01-15,2025-02-14,300.00,EUR,2025-03-01,300.00,no
GLOBEX,G3,2025-06-28,2025-07-28,100.00,EUR,2025-08-05,100.00,no
"""


def load(env, tmp_path):
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS)
    cp(env, "import", "customers", customers)
    invoices = tmp_path / "invoices.csv"
    invoices.write_text(INVOICES)
    cp(env, "import", "invoices", invoices)


def test_report_interest_lists_each_open_past_due_invoice_to_the_cent_and_follows_added_rates(
    env, tmp_path
):
    cp(env, "init")
    load(env, tmp_path)
    report = json.loads(
        cp(env, "report", "interest", "--as-of", "2025-07-31", "--format", "json").stdout
    )
    assert report == {
        "as_of": "2025-07-31",
        "items": [
            {
                "customer": "ACME",
                "number": "F1",
                "due_date": "2025-06-20",
                "open": "6000.00",
                "days_late": 41,
                "interest": "103.27",
                "indemnity": "40.00",
            },
            {
                "customer": "GLOBEX",
                "number": "G1",
                "due_date": "2024-12-15",
                "open": "1500.00",
                "days_late": 228,
                "interest": "132.15",
                "indemnity": "40.00",
            },
            {
                "customer": "GLOBEX",
                "number": "G3",
                "due_date": "2025-07-28",
                "open": "100.00",
                "days_late": 3,
                "interest": "0.10",
                "indemnity": "40.00",
            },
        ],
        "total_interest": "235.52",
        "total_indemnity": "120.00",
    }
    csv_lines = cp(env, "report", "interest", "--as-of", "2025-07-31", "--format", "csv").stdout
    lines = csv_lines.splitlines()
    assert lines[0] == "customer,number,due_date,open,days_late,interest,indemnity"
    assert lines[1] == "ACME,F1,2025-06-20,6000.00,41,103.27,40.00"
    assert lines[-1] == "TOTAL,,,7600.00,,235.52,120.00"

    # the day's dunning, sending nothing (run --dry-run):
    plan = json.loads(
        cp(env, "run", "--as-of", "2025-07-31", "--dry-run", "--format", "json").stdout
    )
    # ACME: F1 41 days late (reminder 3 and a call; F2 due today is not late yet);
    # GLOBEX: G1 228 days late (escalation), with G3 3 days late
    assert [
        (a["customer"], a["step"], a["channel"], a["items"], a["amount"], a["needs_approval"])
        for a in plan["actions"]
    ] == [
        ("ACME", "reminder_3", "email+call", ["F1"], "6000.00", False),
        ("GLOBEX", "escalation", "task", ["G1", "G3"], "1600.00", False),
    ]

    # an added ECB decision changes the interest of the half-year it starts: a decision
    # of 30 June 2025 at 1.90 is the rate in force on 1 July, 11.90 % from then
    assert "added" in cp(env, "rates", "add", "2025-06-30", "1.90").stdout
    assert "unchanged" in cp(env, "rates", "add", "2025-06-30", "1.9").stdout
    assert "2025-06-30\t1.90\tadded" in cp(env, "rates", "list").stdout
    report = json.loads(cp(env, "report", "interest", "--as-of", "2025-07-31").stdout)
    # 10 d x 10,000 x 13.15 % + 4 d x 10,000 x 11.90 % + 27 d x 6,000 x 11.90 %, / 365 = 101.88
    assert report["items"][0]["interest"] == "101.88"


def test_refusals_and_usage_errors(env):
    cp(env, "init")
    assert cp(env, "rates", "add", "2026-01-01", "abc", ok=(1,)).stderr.startswith("error: ")
    assert cp(env, "rates", "add", "2026-01-01", "1.234567", ok=(1,)).stderr.count("\n") == 1
    cp(env, "rates", "add", "2026-02-30", "2", ok=(2,))
    cp(env, "report", "interest", "--format", "xlsx", ok=(2,))
    cp(env, "report", "interest", "--as-of", "2026-13-01", ok=(2,))
    cp(env, "run", "--as-of", "2025-07-31", "--format", "xml", "--dry-run", ok=(2,))
    cp(env, "run", "--as-of", "2025-07-31", "--format", "json", ok=(2,))
    empty = json.loads(cp(env, "report", "interest", "--as-of", "2026-06-30").stdout)
    assert empty == {
        "as_of": "2026-06-30",
        "items": [],
        "total_interest": "0.00",
        "total_indemnity": "0.00",
    }


def test_promises_and_disputes_through_the_command_line(env, tmp_path):
    cp(env, "init")
    load(env, tmp_path)
    day = ("--as-of", "2025-07-31")
    out = cp(
        env,
        "promise",
        "add",
        "--customer",
        "ACME",
        "--amount",
        "1000",
        "--date",
        "2025-08-10",
        *day,
    )
    assert "promise of 1000.00 by 2025-08-10" in out.stdout and "2025-08-13" in out.stdout
    refusals = [
        ("--amount", "9000", "--date", "2025-08-10"),  # more than the 7,200.00 ACME owes
        ("--amount", "10", "--date", "2025-07-30"),  # in the past
        ("--amount", "10", "--date", "2025-08-10", "--items", "F1,F9"),  # unknown item
    ]
    for args in refusals:
        proc = cp(env, "promise", "add", "--customer", "ACME", *args, *day, ok=(1,))
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
    assert (
        "disputed (quality)"
        in cp(
            env,
            "dispute",
            "add",
            "--customer",
            "GLOBEX",
            "--item",
            "G1",
            "--reason",
            "quality",
            *day,
        ).stdout
    )
    proc = cp(
        env, "dispute", "add", "--customer", "NOPE", "--item", "G1", "--reason", "price", ok=(1,)
    )
    assert "unknown customer 'NOPE'" in proc.stderr
    cp(env, "dispute", "add", "--customer", "GLOBEX", "--item", "G1", ok=(2,))  # no reason
    # the day's dunning, sending nothing: ACME's items wait for the promise, GLOBEX's G1 is
    # disputed, so G3 (3 days late) leads
    plan = json.loads(
        cp(env, "run", "--as-of", "2025-07-31", "--dry-run", "--format", "json").stdout
    )
    assert plan == {
        "as_of": "2025-07-31",
        "actions": [
            {
                "customer": "GLOBEX",
                "step": "reminder_1",
                "channel": "email",
                "items": ["G3"],
                "amount": "100.00",
                "needs_approval": False,
            }
        ],
    }


def test_run_replays_consecutive_days_and_prints_the_days_letters(env, tmp_path):
    cp(env, "init")
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "i.csv").write_text(INVOICES)
    cp(env, "import", "customers", tmp_path / "c.csv")
    cp(env, "import", "invoices", tmp_path / "i.csv")
    out = cp(env, "run", "--from", "2025-07-30", "--to", "2025-08-02").stdout.splitlines()
    assert [line.split(":")[0] for line in out] == [
        "default 2025-07-30",
        "default 2025-07-31",
        "default 2025-08-01",
        "default 2025-08-02",
    ]
    # nobody has an email: each reminder is stored without address, and a task asks for one
    assert "without address" in out[0]
    again = cp(env, "run", "--from", "2025-07-30", "--to", "2025-07-30").stdout
    assert "dunning: 0 customers" in again
    bad = cp(env, "run", "--from", "2025-08-02", "--to", "2025-07-30", ok=(2,))
    assert "--to is before --from" in bad.stderr
    half = cp(env, "run", "--from", "2025-08-02", ok=(2,))
    assert "--from and --to together" in half.stderr
    none = cp(env, "letters", "--date", "2025-07-30", ok=(2,))
    assert "no letter to print on 2025-07-30" in none.stderr


def test_risk_scores_through_the_command_line(env, tmp_path):
    cp(env, "init")
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "i.csv").write_text(INVOICES)
    cp(env, "import", "customers", tmp_path / "c.csv")
    cp(env, "import", "invoices", tmp_path / "i.csv")
    body = json.loads(cp(env, "risk", "scores", "--as-of", "2025-07-31").stdout)
    assert [c["code"] for c in body["customers"]] == ["ACME", "GLOBEX"]
    for c in body["customers"]:
        assert set(c) == {"code", "score", "rating", "pd", "drivers"}
        assert 0 <= c["score"] <= 100 and c["rating"] in "ABCDE"
    csv_out = cp(env, "risk", "scores", "--as-of", "2025-07-31", "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "code,score,rating,pd,drivers"
    bad = cp(env, "risk", "scores", "--format", "xml", ok=(2,))
    assert "unknown format 'xml'" in bad.stderr


def test_the_demo_runs_its_day_so_that_the_worklist_is_ready(env):
    cp(env, "init")
    out = cp(env, "demo", "--customers", "25", "--end", "2026-12-03").stdout
    assert "default 2026-12-03: receivables" in out and "dunning: " in out
    assert out.strip().splitlines()[-1].startswith("sign in as 'demo'")
    # the scheduler finds the day done: run again, the day decides nothing new
    again = cp(env, "run", "--as-of", "2026-12-03").stdout
    assert "dunning: 0 customers" in again
