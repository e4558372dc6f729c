"""`make bench`: deciding the day's dunning and the late-payment interest over a big ledger.

Generates a FEC (cached in bench/out/, as ledger_bench.py does), imports it into a
fresh embedded store, then times `run --dry-run --format json` (the day's actions,
nothing sent) and `report interest`, each a real `creditpilot` process, best of
two, process start included and also shown alone.

Target (issue 13): the day's actions for 50,000 customers over 1M ledger lines <= 30 s.
Options: --lines N (default 1,000,000), --customers N (default 50,000).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
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
        print(
            f"\n== dunning over {fec.name} (SQLite)\nimport fec          {t_import:8.2f} s   {out.strip()}"
        )
        t_start, _, _ = run_cli(env, "company", "list")
        plan_times, interest_times = [], []
        for _ in range(2):
            t, mem_plan, plan_out = run_cli(
                env, "run", "--as-of", AS_OF, "--dry-run", "--format", "json"
            )
            plan_times.append(t)
            t, mem_interest, interest_out = run_cli(
                env, "report", "interest", "--as-of", AS_OF, "--format", "json"
            )
            interest_times.append(t)
    plan = json.loads(plan_out)
    interest = json.loads(interest_out)
    steps: dict[str, int] = {}
    for action in plan["actions"]:
        steps[action["step"]] = steps.get(action["step"], 0) + 1
    print(
        f"run --dry-run       {min(plan_times):8.2f} s   peak {mem_plan:,.0f} MB; "
        f"{len(plan['actions']):,} actions {steps}"
    )
    print(
        f"report interest     {min(interest_times):8.2f} s   peak {mem_interest:,.0f} MB; "
        f"{len(interest['items']):,} invoices, interest {interest['total_interest']}, "
        f"indemnity {interest['total_indemnity']}"
    )
    print(f"process start alone {t_start:8.2f} s")
    print("\n== Targets")
    print(f"day's actions       <= 30 s           : {min(plan_times):.2f} s")


if __name__ == "__main__":
    main()
