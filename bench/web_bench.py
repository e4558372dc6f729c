"""`make bench`: the web application's figures at a million ledger lines.

For each store (an SQLite file in a temporary directory; a throwaway
PostgreSQL database when it answers), the 1,000,000-line demo FEC of
``ledger_bench`` is imported with the real ``creditpilot`` commands, then:

1. server time of the pages and of the API, measured in a child process with
   Django's test client (no network, no browser): the first view after the
   import (it builds the cached positions), then the median and the maximum of
   20 requests;
2. load: ``creditpilot serve`` (waitress) on loopback, N concurrent API clients
   with keep-alive connections asking the aged balance for S seconds.

Targets: dashboard <= 300 ms, customers list <= 150 ms, customer page <= 150 ms,
API aging and KPIs <= 200 ms (server time, median of 20); the load with no error.

Options: --lines N (default 1,000,000), --customers N (default 5,000),
--skip-postgres, --skip-postgres-load, --load-seconds S (default 30),
--clients N (default 50), --repeat N (default 20).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ledger_bench import AS_OF, drop_pg, generate, pg_database, run_cli

COMPANY = "default"
USER = "bench"
PASSWORD = "bench-password"
# (key, label, target in ms or None)
STEPS = [
    ("dashboard", "dashboard", 300),
    ("list", "customers list, page 1", 150),
    ("list_sorted", "customers list, -overdue, page 3", 150),
    ("search", "customers search", 150),
    ("customer", "customer page (biggest debtor)", 150),
    ("api_aging", "API aging", 200),
    ("api_kpis", "API KPIs", 200),
    ("api_credit_check", "API credit check", 20),
]


# ---------------------------------------------------------------- the child: server time


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def child_server_times(repeat: int, api_key: str) -> None:
    """Run in the store's env: time each page with the test client; JSON on stdout."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditpilot.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from creditpilot.companies.models import Company
    from creditpilot.reports.models import CustomerPosition, PositionSnapshot

    settings.ALLOWED_HOSTS = ["*"]
    user = get_user_model().objects.get(username=USER)
    client = Client()
    client.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    base = f"/c/{COMPANY}"
    out: dict[str, Any] = {}

    def get(c: Client, url: str) -> float:
        start = time.perf_counter()
        response = c.get(url)
        if response.status_code == 200 and response.streaming:
            b"".join(response.streaming_content)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            body = b"" if response.streaming else response.content[:400]
            raise SystemExit(f"GET {url} answered {response.status_code}: {body!r}")
        return elapsed

    def measure(key: str, c: Client, url: str) -> None:
        first = get(c, url)
        times = [get(c, url) for _ in range(repeat)]
        out[key] = {
            "url": url,
            "first": first,
            "median": statistics.median(times),
            "max": max(times),
        }

    measure("dashboard", client, f"{base}/?as_of={AS_OF}")
    # the biggest debtor and a few letters of its name, from the positions the dashboard built
    company = Company.objects.get(code=COMPANY)
    snap = PositionSnapshot.objects.get(
        company=company, as_of=AS_OF, ledger_version=company.ledger_version
    )
    top = (
        CustomerPosition.objects.filter(snapshot=snap)
        .select_related("customer")
        .order_by("-total")
        .first()
    )
    if top is None:
        raise SystemExit("no customer position after the dashboard")
    words = [w for w in top.customer.name.split() if len(w) >= 4 and w.isalpha()] or [
        top.customer.name
    ]
    term = max(words, key=len)[:4].lower()
    out["biggest_debtor"] = {
        "code": top.customer.code,
        "name": top.customer.name,
        "total": top.total,
    }
    out["search_term"] = term

    measure("list", client, f"{base}/customers/?as_of={AS_OF}")
    measure("list_sorted", client, f"{base}/customers/?as_of={AS_OF}&sort=-overdue&page=3")
    measure("search", client, f"{base}/customers/?as_of={AS_OF}&q={term}")
    measure("customer", client, f"{base}/customers/{top.customer.code}/?as_of={AS_OF}")
    measure("api_aging", api, f"/api/v1/companies/{COMPANY}/aging?as_of={AS_OF}")
    measure("api_kpis", api, f"/api/v1/companies/{COMPANY}/kpis?as_of={AS_OF}")
    measure(
        "api_credit_check",
        api,
        f"/api/v1/companies/{COMPANY}/credit-check?customer={top.customer.code}&amount=1500.00",
    )
    print(json.dumps(out))


def server_times(env: dict[str, str], repeat: int, api_key: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child-server-times", api_key, "--repeat", str(repeat)],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"server time measure failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# ---------------------------------------------------------------- load on loopback


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"creditpilot serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"creditpilot serve did not answer on port {port} within {timeout:.0f} s")


def load(
    env: dict[str, str],
    api_key: str,
    clients: int,
    seconds: float,
    path: str = "",
    pause: float = 0.0,
) -> dict[str, Any]:
    """``clients`` keep-alive connections, for ``seconds``: without pause
    (the server's saturation: latency is then clients / throughput), or each waiting a random
    time of mean ``pause`` seconds between its requests (an order desk's pace)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "creditpilot",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            # the web server alone: without a worker and the scheduler, which would start the
            # day's run over the million lines now (it runs at 06:00, before the order desk)
            "--workers",
            "0",
            "--no-schedule",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    path = path or f"/api/v1/companies/{COMPANY}/aging?as_of={AS_OF}"
    try:
        wait_until_up(port, proc)
        # the clients run in a small process of their own, on one asyncio loop (see there)
        client = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("load_client.py")), str(port), path,
             api_key, str(clients), str(seconds), str(pause)],
            capture_output=True, text=True, check=True, timeout=seconds + 120,
        )  # fmt: skip
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    measured = json.loads(client.stdout)
    done, elapsed = measured["latencies"], measured["seconds"]
    errors = measured["errors"]
    return {
        "clients": clients,
        "seconds": elapsed,
        "ok": len(done),
        "errors": measured["error_count"],
        "first_errors": errors[:5],
        "rps": len(done) / elapsed if elapsed else 0.0,
        "p50": _percentile(done, 0.50) if done else float("nan"),
        "p95": _percentile(done, 0.95) if done else float("nan"),
        "p99": _percentile(done, 0.99) if done else float("nan"),
        "max": max(done) if done else float("nan"),
    }


# ---------------------------------------------------------------- one store


def prepare(name: str, env: dict[str, str], fec: Path) -> str:
    """init, import, the bench user and its API key; returns the key."""
    run_cli(env, "init")
    t_import, _, out = run_cli(env, "import", "fec", str(fec))
    print(f"\n== {name}")
    print(f"import fec   {t_import:6.1f} s   {out.strip()}")
    _, _, companies = run_cli(env, "company", "list")
    if not any(line.split("\t")[0] == COMPANY for line in companies.splitlines()):
        raise SystemExit(f"company {COMPANY!r} not found: {companies!r}")
    run_cli(env, "user", "add", USER, "--password", PASSWORD, "--role", "admin")
    _, _, token = run_cli(env, "user", "token", USER)
    return token.strip().splitlines()[-1].strip()


def bench_store(
    name: str, env: dict[str, str], fec: Path, args: argparse.Namespace, with_load: bool
) -> dict[str, Any]:
    key = prepare(name, env, fec)
    times = server_times(env, args.repeat, key)
    debtor = times["biggest_debtor"]
    print(
        f"biggest debtor {debtor['code']} {debtor['name']!r}; search term {times['search_term']!r}"
    )
    for step, label, _ in STEPS:
        t = times[step]
        print(
            f"{label:34} first {t['first']:8.1f} ms   median {t['median']:7.1f} ms   max {t['max']:7.1f} ms"
        )
    result: dict[str, Any] = {"times": times}
    if with_load:
        print(
            f"load: {args.clients} clients on the API aging for {args.load_seconds:.0f} s ...",
            flush=True,
        )
        result["load"] = load(env, key, args.clients, args.load_seconds)
        print_load(result["load"])
        check = f"/api/v1/companies/{COMPANY}/credit-check?customer={debtor['code']}&amount=1500.00"
        print(
            f"load: {args.clients} clients on the credit check, each about once a second ...",
            flush=True,
        )
        result["credit_check"] = load(env, key, args.clients, args.load_seconds, check, pause=1.0)
        print_load(result["credit_check"])
        print(f"load: {args.clients} clients on the credit check without pause ...", flush=True)
        result["credit_check_saturated"] = load(env, key, args.clients, args.load_seconds, check)
        print_load(result["credit_check_saturated"])
        print(
            f"credit check p99 <= 20 ms ({args.clients} clients, each about once a second): "
            f"{result['credit_check']['p99']:.1f} ms"
        )
    return result


def print_load(r: dict[str, Any]) -> None:
    print(
        f"load: {r['ok']:,} requests in {r['seconds']:.1f} s, {r['errors']} errors, "
        f"{r['rps']:.1f} requests/s, p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, "
        f"p99 {r['p99']:.0f} ms, max {r['max']:.0f} ms"
    )
    for err in r["first_errors"]:
        print(f"  error: {err}")


def store_env(database_url: str, data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
    env["CREDITPILOT_DATABASE_URL"] = database_url
    env["CREDITPILOT_DATA_DIR"] = data_dir
    env["CREDITPILOT_SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


# ---------------------------------------------------------------- the table


def print_table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    stores = [s for s in ("sqlite", "postgresql") if s in results]
    titles = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    print(f"\n== Server time (ms, median/max of {args.repeat}; Django test client, no network)")
    head = (
        f"{'step':34}"
        + "".join(f"{titles[s] + ' med/max':>22}{'':8}" for s in stores)
        + f"{'target':>10}"
    )
    print(head)
    for step, label, target in STEPS:
        row = f"{label:34}"
        for s in stores:
            t = results[s]["times"][step]
            verdict = "OK" if t["median"] <= target else "over"
            row += f"{t['median']:>12.1f} /{t['max']:>8.1f}  {verdict:6}"
        row += f"{'<= ' + str(target):>10}"
        print(row)
    print(
        "\n== First view after an import (ms; builds the cached positions where the page uses them)"
    )
    for step, label, _ in STEPS:
        print(
            f"{label:34}" + "".join(f"{results[s]['times'][step]['first']:>14.1f}" for s in stores)
        )
    loads = [(s, results[s]["load"]) for s in stores if "load" in results[s]]
    if loads:
        print(
            f"\n== Load: {args.clients} concurrent API clients (aging), {args.load_seconds:.0f} s on loopback"
        )
        print(
            f"{'store':12}{'requests':>10}{'errors':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  verdict"
        )
        for s, r in loads:
            verdict = "OK" if r["errors"] == 0 and r["ok"] > 0 else "errors"
            print(
                f"{titles[s]:12}{r['ok']:>10,}{r['errors']:>8}{r['rps']:>8.1f}"
                f"{r['p50']:>9.0f}{r['p95']:>9.0f}{r['max']:>9.0f}  {verdict}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--skip-postgres-load", action="store_true", help="server time only on PostgreSQL"
    )
    parser.add_argument("--load-seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20, help="requests per page after the first")
    parser.add_argument("--child-server-times", metavar="API_KEY", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_server_times:
        child_server_times(args.repeat, args.child_server_times)
        return

    fec = generate(args.lines, args.customers)
    print(f"FEC: {fec} ({fec.stat().st_size / 1e6:,.0f} MB)")
    print(
        "Targets: dashboard <= 300 ms, customer list page <= 150 ms, customer page <= 150 ms, "
        "API aging and KPIs <= 200 ms (server time, median of 20, on SQLite and PostgreSQL); "
        "50 concurrent API clients for 30 s on loopback with no error."
    )

    results: dict[str, dict[str, Any]] = {}
    tmp = tempfile.mkdtemp(prefix="creditpilot-web-bench-")
    try:
        env = store_env(f"sqlite:///{Path(tmp) / 'creditpilot.sqlite3'}", tmp)
        results["sqlite"] = bench_store("SQLite (embedded store)", env, fec, args, with_load=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    pg_url = None if args.skip_postgres else pg_database()
    if pg_url:
        tmp = tempfile.mkdtemp(prefix="creditpilot-web-bench-")
        try:
            env = store_env(pg_url, tmp)
            results["postgresql"] = bench_store(
                "PostgreSQL", env, fec, args, with_load=not args.skip_postgres_load
            )
        finally:
            drop_pg(pg_url)
            shutil.rmtree(tmp, ignore_errors=True)

    print_table(results, args)


if __name__ == "__main__":
    main()
