"""`make bench`: scoring every customer and running the alert rules over a big ledger.

Generates the FEC of ledger_bench.py (cached in bench/out/), imports it into a fresh
embedded store with the `creditpilot` command, then, in this process, times the daily
run's two risk steps at its last day: the scores (set-based behaviour in polars, the
scorecard, each customer's score of the day stored, the ratings filled) and the alert
rules. Run twice: the second day finds yesterday's scores (downgrades, trends).

Targets: scoring and alert rules for 50,000 customers over 1M ledger lines <= 30 s (issue 14);
the month-end provisions for 50,000 customers, proposed and exported, <= 10 s (issue 15).
Options: --lines N (default 1,000,000), --customers N (default 50,000).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_bench import AS_OF, generate, run_cli  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    args = parser.parse_args()

    fec = generate(args.lines, args.customers)
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
        env["CREDITPILOT_DATA_DIR"] = tmp
        run_cli(env, "init")
        t_import, _, out = run_cli(env, "import", "fec", str(fec))
        print(f"\n== risk over {fec.name} (SQLite)\nimport fec          {t_import:8.2f} s")
        os.environ["CREDITPILOT_DATA_DIR"] = tmp
        os.environ.pop("CREDITPILOT_DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "creditpilot.settings"
        import django

        django.setup()
        from creditpilot.companies.models import Company
        from creditpilot.core.money import format_cents
        from creditpilot.customers.models import Customer
        from creditpilot.risk.alerts import do_alerts
        from creditpilot.risk.behaviour import do_score_company
        from creditpilot.risk.provision_entries import provisions_fec
        from creditpilot.risk.provisions import do_propose_provisions

        company = Company.objects.get()
        customers = Customer.objects.filter(company=company).count()
        last = date.fromisoformat(AS_OF)
        totals = []
        for day in (last - timedelta(days=1), last):
            start = time.perf_counter()
            scored = do_score_company(company, day)
            scoring = time.perf_counter() - start
            start = time.perf_counter()
            alerts = do_alerts(company, day)
            alerting = time.perf_counter() - start
            totals.append(scoring + alerting)
            ratings: dict[str, int] = {}
            for card in scored.cards:
                ratings[card.rating] = ratings.get(card.rating, 0) + 1
            print(
                f"{day}  scores {scoring:6.2f} s ({len(scored.cards):,} of {customers:,} "
                f"customers, ratings {dict(sorted(ratings.items()))}); "
                f"alert rules {alerting:5.2f} s ({alerts:,} alerts)"
            )
        # the month end: proposed (computed and stored), then its entries written as a FEC
        start = time.perf_counter()
        run = do_propose_provisions(company, last)
        entries = provisions_fec(run)
        provisioning = time.perf_counter() - start
        print(
            f"{last}  provisions proposed and exported {provisioning:5.2f} s "
            f"({len(run.lines):,} invoices, {format_cents(run.total)} {company.currency}, "
            f"{len(entries.splitlines()) - 1:,} FEC lines)"
        )
    print("\n== Targets")
    print(f"scores and alerts, {customers:,} customers <= 30 s : {max(totals):.2f} s (worst day)")
    print(f"month-end provisions, {customers:,} customers <= 10 s : {provisioning:.2f} s")


if __name__ == "__main__":
    main()
