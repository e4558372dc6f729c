"""`make bench`: the receivables ledger at a million FEC lines.

Generates a 1,000,000-line FEC (cached in bench/out/), imports it into a fresh
embedded store (SQLite) and, when it answers, into a throwaway PostgreSQL
database, runs `report aging` and `report kpis`, and prints lines per second,
seconds per step and peak memory — each step a real `creditpilot` process, as
a user runs it. The yardstick: the same aging done by DuckDB straight on the file.

Options: --lines N (default 1,000,000), --customers N (default 5,000), --skip-postgres,
--skip-next-day (the next day's export and the daily run, see ``bench_next_day``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
AS_OF = "2026-10-31"
PG_ADMIN_URL = os.environ.get("CREDITPILOT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def run_cli(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """Seconds, peak memory (MB) of the child, and stdout of one creditpilot command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "creditpilot.cli", *args], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"creditpilot {' '.join(args)} failed:\n{proc.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024, proc.stdout


def generate(lines: int, customers: int) -> Path:
    from creditpilot.demo import generate_demo

    target = OUT / f"fec-{lines}-{customers}"
    marker = target / "done.json"
    if marker.exists():
        return Path(json.loads(marker.read_text())["fec"])
    target.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    files = generate_demo(
        target, customers=customers, lines=lines, single_file=True, end=date(2026, 10, 31)
    )
    print(f"generated {files.lines:,} FEC lines in {time.perf_counter() - start:.1f} s")
    marker.write_text(json.dumps({"fec": str(files.fec[0]), "lines": files.lines}))
    return files.fec[0]


def duckdb_aging(path: Path, as_of: str) -> tuple[float, dict[str, float]]:
    """Aging by bucket straight on the file: lettered groups settle, other items age by due date."""
    import duckdb

    sql = f"""
    WITH raw AS (
        SELECT CompAuxNum AS customer, EcritureLet AS let,
               strptime(PieceDate, '%Y%m%d')::DATE AS d,
               round(replace(Debit, ',', '.')::DECIMAL(18,2) * 100)::BIGINT
             - round(replace(Credit, ',', '.')::DECIMAL(18,2) * 100)::BIGINT AS amount
        FROM read_csv('{path}', delim='|', header=true, all_varchar=true, quote='')
        WHERE CompteNum LIKE '411%' OR CompteNum LIKE '416%'
    ),
    live AS (SELECT * FROM raw WHERE d <= DATE '{as_of}'),
    groups AS (
        SELECT customer, let, sum(amount) AS net FROM live WHERE let <> '' GROUP BY ALL
    ),
    open_items AS (
        SELECT l.* FROM live l LEFT JOIN groups g USING (customer, let)
        WHERE l.let IS NULL OR l.let = '' OR g.net <> 0
    )
    SELECT CASE WHEN amount < 0 THEN 'unapplied'
                WHEN DATE '{as_of}' - (d + 30) <= 0 THEN 'not_due'
                WHEN DATE '{as_of}' - (d + 30) <= 30 THEN '1_30'
                WHEN DATE '{as_of}' - (d + 30) <= 60 THEN '31_60'
                WHEN DATE '{as_of}' - (d + 30) <= 90 THEN '61_90'
                ELSE 'over_90' END AS bucket,
           sum(amount) / 100 AS amount
    FROM open_items GROUP BY ALL
    """
    con = duckdb.connect()
    start = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return time.perf_counter() - start, {b: float(a) for b, a in rows}


def bench_store(name: str, env: dict[str, str], fec: Path, lines: int) -> dict[str, float]:
    run_cli(env, "init")
    t_import, mem_import, out = run_cli(env, "import", "fec", str(fec))
    t_import_again, _, again = run_cli(env, "import", "fec", str(fec))
    aging_times, kpi_times = [], []
    for _ in range(3):
        t, mem_aging, aging_out = run_cli(
            env, "report", "aging", "--as-of", AS_OF, "--format", "json"
        )
        aging_times.append(t)
        t, _, kpi_out = run_cli(env, "report", "kpis", "--as-of", AS_OF, "--format", "json")
        kpi_times.append(t)
    t_startup, _, _ = run_cli(env, "company", "list")
    aging = json.loads(aging_out)
    kpis = json.loads(kpi_out)
    print(f"\n== {name}")
    print(
        f"import fec          {t_import:8.2f} s   {lines / t_import:10,.0f} lines/s   peak {mem_import:,.0f} MB"
    )
    print(f"  {out.strip()}")
    print(f"import again        {t_import_again:8.2f} s   ({again.strip()})")
    print(
        f"report aging        {min(aging_times):8.2f} s   (best of 3, process start included; peak {mem_aging:,.0f} MB)"
    )
    print(f"report kpis         {min(kpi_times):8.2f} s   (best of 3, process start included)")
    print(f"process start alone {t_startup:8.2f} s   (creditpilot company list)")
    print(
        f"aging total {aging['total']} over {len(aging['customers']):,} customers; buckets {aging['buckets']}"
    )
    print(
        f"kpis: dso {kpis['dso']}, best possible {kpis['best_possible_dso']}, add {kpis['add']}, overdue ratio {kpis['overdue_ratio']}, cei {kpis['cei']}"
    )
    return {
        "import": t_import,
        "aging": min(aging_times) - t_startup,
        "aging_wall": min(aging_times),
    }


# --- the next day's export: what an import costs when little changed ----------------------


def generate_next_day(lines: int, customers: int) -> tuple[Path, Path]:
    """Two exports of one simulated ledger: up to the day before its last day, then up to
    its last day (the year again plus one day: that day's entries, the lettering done that
    day). Cached in bench/out/."""
    from datetime import timedelta

    from creditpilot import demo

    target = OUT / f"next-day-{lines}-{customers}"
    day1, day2 = target / "FEC_day1.txt", target / "FEC_day2.txt"
    if (target / "done").exists():
        return day1, day2
    target.mkdir(parents=True, exist_ok=True)
    end = date.fromisoformat(AS_OF)
    start = demo._add_months(end, -24) + timedelta(days=1)
    split = demo._add_months(end, -12) + timedelta(days=1)
    invoices = max(1, round(lines / demo.LINES_PER_INVOICE[True]))
    ledger = demo._simulate(42, customers, start, split, end, invoices)
    demo._write_fec(day1, ledger, start.toordinal(), end.toordinal() - 1, opening=False)
    demo._write_fec(day2, ledger, start.toordinal(), end.toordinal(), opening=False)
    (target / "done").write_text("")
    return day1, day2


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(env: dict[str, str], *args: str) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (a busy machine inflates the first, much less the second),
    peak MB and stdout of one creditpilot command."""
    cpu = _cpu_of_children()
    wall, peak, out = run_cli(env, *args)
    return wall, _cpu_of_children() - cpu, peak, out


def bench_next_day(name: str, env: dict[str, str], lines: int, customers: int) -> dict[str, float]:
    """First import, the next day's export, then the daily run with nothing changed."""
    day1, day2 = generate_next_day(lines, customers)
    run_cli(env, "init")
    first, first_cpu, _, first_out = _timed(env, "import", "fec", str(day1))
    nxt, nxt_cpu, mem_next, nxt_out = _timed(env, "import", "fec", str(day2))
    run, run_cpu, _, _ = _timed(env, "run", "--as-of", AS_OF)
    again, again_cpu, _, _ = _timed(env, "run", "--as-of", AS_OF)
    start, start_cpu, _, _ = _timed(env, "company", "list")
    print(f"\n== {name}: the next day's export (wall / CPU seconds)")
    print(f"first import        {first:8.2f} / {first_cpu:6.2f} s   ({first_out.strip()})")
    print(
        f"next day's export   {nxt:8.2f} / {nxt_cpu:6.2f} s   peak {mem_next:,.0f} MB ({nxt_out.strip()})"
    )
    print(
        f"daily run           {run:8.2f} / {run_cpu:6.2f} s   (first of the day: positions computed)"
    )
    print(f"daily run again     {again:8.2f} / {again_cpu:6.2f} s   (nothing changed)")
    print(f"process start alone {start:8.2f} / {start_cpu:6.2f} s   (creditpilot company list)")
    print(
        f"next day / first    <= 0.25          : {nxt / first:.2f} wall, {nxt_cpu / first_cpu:.2f} CPU"
    )
    return {"first": first, "next_day": nxt, "run_again": again, "ratio_cpu": nxt_cpu / first_cpu}


def pg_database() -> str | None:
    try:
        import psycopg
    except ImportError:
        return None
    name = f"creditpilot_bench_{os.getpid()}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
    except Exception as err:  # no server: the benchmark says so and goes on
        print(f"\n== PostgreSQL skipped ({err.__class__.__name__}: {err})")
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-next-day", action="store_true")
    args = parser.parse_args()

    fec = generate(args.lines, args.customers)
    size = fec.stat().st_size / 1e6
    with fec.open("rb") as fh:
        lines = sum(1 for _ in fh) - 1
    print(f"FEC: {fec} ({lines:,} lines, {size:,.0f} MB)")

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
        env["CREDITPILOT_DATA_DIR"] = tmp
        results["sqlite"] = bench_store("SQLite (embedded store)", env, fec, lines)

    if not args.skip_next_day:
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
            env["CREDITPILOT_DATA_DIR"] = tmp
            results["next_day"] = bench_next_day("SQLite", env, args.lines, args.customers)

    pg_url = None if args.skip_postgres else pg_database()
    if pg_url:
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
            env["CREDITPILOT_DATABASE_URL"] = pg_url
            env["CREDITPILOT_DATA_DIR"] = tempfile.mkdtemp()
            results["postgresql"] = bench_store("PostgreSQL", env, fec, lines)
        finally:
            drop_pg(pg_url)

    t_duck, buckets = duckdb_aging(fec, AS_OF)
    print("\n== DuckDB straight on the file (yardstick)")
    print(f"aging               {t_duck:8.2f} s   total {sum(buckets.values()):,.2f}")

    print("\n== Targets")
    sqlite = results["sqlite"]
    print(f"import into SQLite  >= 100,000 lines/s : {lines / sqlite['import']:,.0f} lines/s")
    print(
        f"report aging        <= 1 s            : {sqlite['aging']:.2f} s (query, process start excluded)"
    )
    print(f"aging vs DuckDB     <= 3x             : {sqlite['aging'] / t_duck:.1f}x")
    if "postgresql" in results:
        ratio = results["postgresql"]["import"] / sqlite["import"]
        print(f"PostgreSQL import   <= 2x SQLite      : {ratio:.2f}x")


if __name__ == "__main__":
    main()
