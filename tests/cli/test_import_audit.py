"""Imports from the command line are in the audit log, written with the import itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_contract import cp, env  # noqa: F401  (the fixture)
from tests.fecbuilder import hand_ledger


def audit_rows(env):  # noqa: F811
    path = Path(env["CREDITPILOT_DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT action, username, object_type FROM accounts_auditevent ORDER BY id"
        ).fetchall()


def test_a_command_line_import_is_audited_and_a_refused_one_is_not(env, tmp_path):  # noqa: F811
    cp(env, "init")
    bad = tmp_path / "FEC-bad.txt"
    good = hand_ledger().write(tmp_path / "FEC.txt")
    lines = good.read_text().splitlines()
    # an entry that does not balance: the whole file is refused, nothing is written
    bad.write_text("\n".join([lines[0], lines[1].replace("|1000,00|", "|1001,00|", 1)]) + "\n")
    refused = cp(env, "import", "fec", bad, ok=(1,))
    assert refused.returncode == 1
    assert [r for r in audit_rows(env) if r[0] == "import"] == []

    cp(env, "import", "fec", good)
    assert [r for r in audit_rows(env) if r[0] == "import"] == [("import", "cli", "import")]
    cp(env, "import", "fec", good)  # nothing changed: nothing to audit
    assert len([r for r in audit_rows(env) if r[0] == "import"]) == 1
