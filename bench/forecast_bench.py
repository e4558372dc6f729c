"""`make bench`: predicted payment dates and the cash-in forecast at scale.

1. A million invoices of history (synthetic, made here with numpy: 50,000 customers over two
   years, each paying like one of the demo's profiles, some never): the features at every
   cutoff, the three gradient-boosted trees trained, and every invoice open at the date or
   issued after it predicted — what `predict backtest` and the daily run do, without the
   store's read.
2. The FEC of ledger_bench.py (1M ledger lines, cached in bench/out/) imported into a fresh
   embedded store: the daily run's forecast step (the ledger read, the model trained, each
   open invoice's date and the weeks and months kept), then the "Prévisions" page (server
   time through Django's test client, median of 20) and the dashboard with its chart.

Targets (issue 16): training and predicting over 1M invoices of history <= 60 s; the forecast
page <= 300 ms at 1M ledger lines.
Options: --invoices N (default 1,000,000), --lines N (default 1,000,000), --customers N
(default 50,000), --repeat N (default 20).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_bench import AS_OF, generate, run_cli  # noqa: E402

START = date(2024, 11, 1)
DAYS = 730


def synthetic(invoices: int, customers: int, seed: int = 7) -> tuple[pl.DataFrame, ...]:
    """Invoices, their payments and the customers' segments: each customer pays like one of
    the demo's profiles (prompt, slow, chronic), 1 % of invoices never."""
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, customers, invoices)
    profile = rng.choice(3, customers, p=[0.55, 0.33, 0.12])[customer]
    issued = rng.integers(0, DAYS, invoices)
    terms = rng.choice([30, 45, 60], customers)[customer]
    low = np.array([-5, 15, 60])[profile]
    high = np.array([5, 60, 150])[profile]
    delay = rng.integers(low, high + 1)
    paid_day = np.maximum(issued + terms + delay, issued)
    amount = (rng.lognormal(11, 1, invoices)).astype(np.int64) + 100
    epoch = np.datetime64(START.isoformat())
    ids = np.arange(1, invoices + 1)
    frame = pl.DataFrame(
        {
            "id": ids,
            "customer_id": customer.astype(np.int64) + 1,
            "date": epoch + issued.astype("timedelta64[D]"),
            "due_date": epoch + (issued + terms).astype("timedelta64[D]"),
            "amount": amount,
        }
    ).with_columns(pl.col("date").cast(pl.Date), pl.col("due_date").cast(pl.Date))
    paid = (paid_day < DAYS) & (rng.random(invoices) > 0.01)
    allocations = pl.DataFrame(
        {
            "invoice_id": ids[paid],
            "date": epoch + paid_day[paid].astype("timedelta64[D]"),
            "amount": amount[paid],
        }
    ).with_columns(pl.col("date").cast(pl.Date))
    segments = pl.DataFrame(
        {"customer_id": np.arange(1, customers + 1), "segment": rng.integers(0, 5, customers)}
    )
    return frame, allocations, segments


def million_invoices(invoices: int, customers: int) -> float:
    from creditpilot.forecast.features import History
    from creditpilot.forecast.model import MAX_TRAIN_ROWS, train

    frames = synthetic(invoices, customers)
    as_of = START + timedelta(days=DAYS - 180)
    start = time.perf_counter()
    history = History.of_frames(*frames)
    model = train(history, as_of)
    test = history.rows([as_of], None)
    predicted = model.predict(test)
    elapsed = time.perf_counter() - start
    print(
        f"\n== {invoices:,} invoices of history ({customers:,} customers, synthetic)\n"
        f"features, training ({model.n_train:,} rows: invoices seen at 24 cutoffs, "
        f"{min(model.n_train, MAX_TRAIN_ROWS):,} learnt) and {predicted.height:,} invoices "
        f"predicted: {elapsed:.2f} s"
    )
    return elapsed


def ledger_store(lines: int, customers: int, repeat: int, tmp: str) -> tuple[float, float, float]:
    fec = generate(lines, customers)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
    env["CREDITPILOT_DATA_DIR"] = tmp
    run_cli(env, "init")
    t_import, _, _ = run_cli(env, "import", "fec", str(fec))
    print(f"\n== forecast over {fec.name} (SQLite)\nimport fec          {t_import:8.2f} s")
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from creditpilot.accounts.services import do_add_user
    from creditpilot.companies.models import Company
    from creditpilot.forecast.models import PredictedPayment
    from creditpilot.forecast.services import do_store_forecast

    setup_test_environment()
    company = Company.objects.get()
    day = date.fromisoformat(AS_OF)
    start = time.perf_counter()
    run = do_store_forecast(company, day)
    step = time.perf_counter() - start
    items = PredictedPayment.objects.filter(run=run).count()
    print(
        f"daily forecast step {step:8.2f} s ({run.method}, {run.n_train:,} rows seen, "
        f"{items:,} open invoices predicted and kept)"
    )
    do_add_user("bench", password="bench-password-1", companies=[company], role="admin")
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    timings = {}
    for label, url in (
        ("forecast page", f"/c/{company.code}/forecast/?as_of={AS_OF}"),
        ("dashboard", f"/c/{company.code}/?as_of={AS_OF}"),
    ):
        times = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        timings[label] = statistics.median(times[1:])
        print(
            f"{label:18} first {times[0]:7.1f} ms   median {timings[label]:7.1f} ms   "
            f"max {max(times[1:]):7.1f} ms"
        )
    return step, timings["forecast page"], timings["dashboard"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # the store the second part imports into; Django is set up once, before any model
        os.environ["CREDITPILOT_DATA_DIR"] = tmp
        os.environ.pop("CREDITPILOT_DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "creditpilot.settings"
        import django

        django.setup()
        trained = million_invoices(args.invoices, args.customers)
        step, page, _dashboard = ledger_store(args.lines, args.customers, args.repeat, tmp)
    print("\n== Targets")
    print(f"training and predicting over {args.invoices:,} invoices <= 60 s : {trained:.2f} s")
    print(f"forecast page at {args.lines:,} ledger lines <= 300 ms : {page:.1f} ms (median)")
    print(f"(the daily run's forecast step at {args.lines:,} ledger lines: {step:.2f} s)")


if __name__ == "__main__":
    main()
