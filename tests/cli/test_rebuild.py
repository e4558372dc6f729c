"""`creditpilot rebuild` forces a full rebuild; `creditpilot run` rebuilds nothing."""

from __future__ import annotations

from tests.cli.test_contract import cp, env  # noqa: F401 (env is a fixture)
from tests.fecbuilder import hand_ledger


def test_rebuild_recomputes_every_company_and_changes_no_figure(env, tmp_path):  # noqa: F811
    cp(env, "init")
    cp(env, "import", "fec", hand_ledger().write(tmp_path / "FEC.txt"))
    # the figures of the day (the dunning after them is done once: the second run sends nothing)
    before = cp(env, "run", "--as-of", "2026-06-30").stdout.split(";")[0]
    # 16 customer lines; Umbrella's payment leaves 400.00 unapplied
    out = cp(env, "rebuild").stdout
    assert "rebuilt 16 documents" in out and "unapplied credits 1" in out
    assert cp(env, "run", "--as-of", "2026-06-30").stdout.split(";")[0] == before
    assert "receivables 8350.00" in before and "unapplied credits 1" in before
