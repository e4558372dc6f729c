"""Start-up of the report commands (issue 12 point 3): what they import and check.

Timed figures live in `make bench`; here, what makes them: a report imports none of
the heavy libraries it does not use, and the schema check is one query when the store
is current.
"""

from __future__ import annotations

import subprocess

from tests.cli.test_contract import CLI, cp, env  # noqa: F401  (the fixture)
from tests.fecbuilder import hand_ledger

HEAVY = ("polars", "pydantic", "ninja", "openpyxl", "weasyprint", "duckdb", "waitress", "axes")


# runs the command as ``creditpilot`` (``python -m creditpilot``) does, then lists the modules it loaded
RUN_AND_LIST = (
    "import atexit, runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "atexit.register(lambda: open(out, 'w').write('\\n'.join(sorted(sys.modules))))\n"
    "runpy.run_module('creditpilot', run_name='__main__', alter_sys=True)\n"
)


def imported_modules(env, tmp_path, *args):  # noqa: F811
    listing = tmp_path / "modules.txt"
    proc = subprocess.run(
        [CLI[0], "-c", RUN_AND_LIST, str(listing), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return set(listing.read_text().split())


def test_a_report_imports_no_heavy_library(env, tmp_path):  # noqa: F811
    cp(env, "init")
    cp(env, "import", "fec", hand_ledger().write(tmp_path / "FEC.txt"))
    for args in (
        ("report", "aging", "--as-of", "2026-06-30"),
        ("report", "aging", "--as-of", "2026-06-30", "--by", "segment", "--format", "csv"),
        ("report", "kpis", "--as-of", "2026-06-30"),
        ("report", "statement", "--customer", "ACME", "--as-of", "2026-06-30"),
    ):
        modules = imported_modules(env, tmp_path, *args)
        assert "django.db.models" in modules  # the measurement sees the imports
        loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY)
        assert loaded == [], (args, loaded)
        # the schema was current: Django's migration graph (which imports every
        # migration module) was not built
        assert not [m for m in modules if ".migrations.0" in m], args


def test_a_store_behind_the_code_is_migrated_by_the_migration_graph(env, tmp_path):  # noqa: F811
    modules = imported_modules(env, tmp_path, "init")  # a new store: no migrations table
    assert "creditpilot.receivables.migrations.0001_initial" in modules


def test_an_xlsx_report_imports_openpyxl_only_then(env, tmp_path):  # noqa: F811
    cp(env, "init")
    out = tmp_path / "aging.xlsx"
    modules = imported_modules(
        env, tmp_path, "report", "aging", "--format", "xlsx", "--output", str(out)
    )
    assert "openpyxl" in modules and "polars" not in modules


def test_the_collector_waits_for_the_modules_then_runs(env):  # noqa: F811
    # the entry point pauses the cyclic collector while the modules load; Django set up,
    # what was loaded is frozen and the collector runs for the command's own work
    script = (
        "import gc, creditpilot.__main__\n"
        "assert not gc.isenabled()\n"
        "from creditpilot.cli import setup_django\n"
        "setup_django('report_aging')\n"
        "assert gc.isenabled(), 'the collector was left paused'\n"
        "assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()\n"
    )
    proc = subprocess.run([CLI[0], "-c", script], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
