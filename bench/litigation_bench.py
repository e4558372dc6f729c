"""`make bench`: a litigation pack of 50 invoices.

In a fresh embedded store, one customer owes 50 invoices past due, each reminded twice
(the reminders are the pack's exhibits). The case is opened at formal notice and moved to
an order for payment; the pack is its statement of claim (principal, late-payment interest
and 40 EUR indemnity per invoice, exactly as `report interest` computes them), the request
for an order for payment as a PDF, and the collection agency's hand-over file (CSV).
Timed three times; the worst is printed beside its target.

Target: a litigation pack of 50 invoices <= 3 s (issue 15).
Options: --invoices N (default 50).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TARGET_S = 3.0
DAY = date(2026, 6, 30)


def _files(folder: Path, invoices: int) -> tuple[Path, Path]:
    customers = folder / "customers.csv"
    customers.write_text(
        "code,name,siren,country,segment,payment_terms,email\n"
        "DEBTOR,Débiteur Défaillant SARL,,FR,PME,NET30,compta@debiteur.example\n",
        encoding="utf-8",
    )
    rows = ["customer_code,number,date,due_date,amount,currency"]
    for n in range(invoices):
        issued = DAY - timedelta(days=400 - 6 * n)
        due = issued + timedelta(days=30)
        rows.append(f"DEBTOR,F{n + 1:04d},{issued},{due},{1_000 + 37 * n}.{n % 100:02d},EUR")
    items = folder / "invoices.csv"
    items.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return customers, items


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CREDITPILOT_DATA_DIR"] = tmp
        os.environ.pop("CREDITPILOT_DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "creditpilot.settings"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from creditpilot.collections.claim_document import agency_csv, claim_pdf
        from creditpilot.collections.litigation import (
            do_move_case,
            do_open_case,
            statement_of_claim,
        )
        from creditpilot.collections.models import Message
        from creditpilot.companies.services import do_init
        from creditpilot.core.money import format_cents
        from creditpilot.receivables.customers import do_import_customers
        from creditpilot.receivables.invoices import do_import_invoices

        company = do_init()
        customers, items = _files(Path(tmp), args.invoices)
        do_import_customers(company, customers)
        do_import_invoices(company, items)
        debtor = company.customers.get(code="DEBTOR")
        for n, step in enumerate(("reminder_1", "reminder_2")):
            Message.objects.create(
                company=company, customer=debtor, day=DAY - timedelta(days=60 - 20 * n),
                step_key=step, step_name=f"Relance {n + 1}", channel="email",
                status=Message.Status.SENT,
                items=[{"number": f"F{i + 1:04d}"} for i in range(args.invoices)],
            )  # fmt: skip
        case = do_open_case(company, "DEBTOR", today=DAY, stage="formal_notice")
        case = do_move_case(company, case.pk, "order_for_payment", today=DAY)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            claim = statement_of_claim(company, case, DAY)
            pdf = claim_pdf(claim)
            csv = agency_csv(claim)
            times.append(time.perf_counter() - start)
        print(
            f"\n== litigation pack: {len(claim.lines)} invoices, claim {format_cents(claim.total)} "
            f"EUR, {len(claim.reminders)} reminders, PDF {len(pdf) / 1000:.0f} kB, "
            f"CSV {len(csv.splitlines())} lines; "
            f"runs {', '.join(f'{t:.2f}' for t in times)} s"
        )
    worst = max(times)
    verdict = "met" if worst <= TARGET_S else "MISSED"
    print("\n== Targets")
    print(
        f"litigation pack of {args.invoices} invoices <= {TARGET_S:.0f} s : {worst:.2f} s ({verdict})"
    )


if __name__ == "__main__":
    sys.exit(main())
