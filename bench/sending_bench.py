"""`make bench`: rendering and sending the day's reminders, and rendering letters.

A fresh embedded store gets two companies: one whose 1,000 customers are each
due a first reminder by email, one whose 100 customers are each due a formal
notice (a PDF letter and an email awaiting approval). The daily run's dunning
step (decide, render, store) and its sending step (a real SMTP server,
aiosmtpd, in this process) are timed.

Targets (issue 13): rendering and sending 1,000 emails to a local SMTP server <= 30 s;
100 PDF letters <= 30 s.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

AS_OF = date(2026, 6, 30)
HEADER = "customer_code,number,date,due_date,amount,currency\n"


def _files(tmp: Path, prefix: str, count: int, due: str) -> tuple[Path, Path]:
    customers = tmp / f"{prefix}-customers.csv"
    invoices = tmp / f"{prefix}-invoices.csv"
    customers.write_text(
        "code,name,siren,country,segment,payment_terms,email\n"
        + "".join(
            f"{prefix}{n:05d},Client {n} SARL,,FR,PME,NET30,compta{n}@client{n}.fr\n"
            for n in range(count)
        )
    )
    invoices.write_text(
        HEADER
        + "".join(
            f"{prefix}{n:05d},F{prefix}{n:05d},2026-04-01,{due},{1000 + n}.50,EUR\n"
            for n in range(count)
        )
    )
    return customers, invoices


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    os.environ["CREDITPILOT_DATA_DIR"] = str(tmp)
    os.environ.pop("CREDITPILOT_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "creditpilot.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from creditpilot.collections.actions import do_carry_out
    from creditpilot.collections.sending import (
        SmtpServer,
        do_send_pending,
        statement_attachments,
    )
    from creditpilot.companies.services import do_add_company
    from creditpilot.customers.models import Customer
    from creditpilot.receivables.customers import do_import_customers
    from creditpilot.receivables.invoices import do_import_invoices

    call_command("migrate", verbosity=0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = Controller(Sink(), hostname="127.0.0.1", port=port)
    server.start()
    smtp = SmtpServer("127.0.0.1", port)

    emails = do_add_company("MAIL", "Mail SAS")
    do_import_customers(emails, (paths := _files(tmp, "E", 1000, "2026-06-29"))[0])
    do_import_invoices(emails, paths[1])
    letters = do_add_company("POST", "Post SAS")
    do_import_customers(letters, (paths := _files(tmp, "L", 100, "2026-05-16"))[0])
    do_import_invoices(letters, paths[1])
    Customer.objects.filter(company=letters).update(address="3 rue des Lilas\n69003 Lyon")

    start = time.perf_counter()
    decided = do_carry_out(emails, AS_OF)
    rendered = time.perf_counter() - start
    start = time.perf_counter()
    sent = do_send_pending(emails, smtp, attachments=statement_attachments)
    sending = time.perf_counter() - start
    start = time.perf_counter()
    posted = do_carry_out(letters, AS_OF)
    lettering = time.perf_counter() - start
    server.stop()

    print("\n== dunning: rendering and sending (SQLite, local SMTP server)")
    print(f"decide and render {decided.emails:5d} emails {rendered:8.2f} s")
    print(
        f"send              {sent.sent:5d} emails {sending:8.2f} s   "
        f"(each with its statement of account in PDF) {sent.summary()}"
    )
    print(f"decide and render {posted.letters:5d} letters {lettering:7.2f} s   (and their emails)")
    print("\n== Targets")
    print(f"1,000 emails rendered and sent <= 30 s : {rendered + sending:.2f} s")
    print(f"100 PDF letters                <= 30 s : {lettering:.2f} s")
    if sent.sent != 1000 or posted.letters != 100:
        sys.exit("the bench did not send what it should")


if __name__ == "__main__":
    main()
