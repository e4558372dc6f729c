"""Provisions for doubtful debts (SPEC §3): the amount excluding VAT read from each invoice's
FEC entry, 100 % in collective proceedings or over 365 days past due, 50 % over 180 days."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date

import openpyxl
import pytest

from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.companies.services import do_init
from creditpilot.core.errors import InvalidInputError
from creditpilot.readers.fec import read_fec
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.receivables.models import Document
from creditpilot.receivables.services import do_import_fec
from creditpilot.risk.models import ExternalEvent
from creditpilot.risk.provision_entries import provision_moves, provisions_fec, transfer_moves
from creditpilot.risk.provisions import (
    do_approve_provisions,
    do_propose_provisions,
    provisions,
    provisions_json,
    provisions_xlsx,
)
from tests.fecbuilder import Fec

pytestmark = [pytest.mark.store, pytest.mark.django_db]
AS_OF = date(2026, 6, 30)


def ledger() -> Fec:
    f = Fec()
    # F1: 1,200.00 with 1,000.00 excluding VAT, due 9 Feb 2025, 300.00 paid: 506 days late
    f.invoice("20250110", "ACME", "F1", "1200.00")
    f.payment("20250301", "ACME", "300.00", "Règlement F1")
    # F2: 600.00 (500.00 excluding VAT), due 20 Dec 2025: 192 days late
    f.invoice("20251120", "ACME", "F2", "600.00")
    # F3: 30 days late, not provisioned
    f.invoice("20260501", "ACME", "F3", "240.00")
    # F4: one entry, two instalments of 700.00 and 500.00 for 1,000.00 excluding VAT,
    # due 1 July 2025: 364 days late
    for ttc in ("700.00", "500.00"):
        f.line("VT", "VT9", "20250601", "411000", "ACME", "F4", "Facture F4", debit=ttc)
    f.line("VT", "VT9", "20250601", "706000", "", "F4", "Facture F4", credit="1000.00")
    f.line("VT", "VT9", "20250601", "445710", "", "F4", "TVA F4", credit="200.00")
    # G1: not due yet, but Globex is in receivership
    f.invoice("20260610", "GLOBEX", "G1", "120.00")
    return f


@pytest.fixture
def company(tmp_path):
    company = do_init()
    do_import_fec(company, ledger().write(tmp_path / "FEC.txt"))
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms\nUMBRELLA,Umbrella,,FR,PME,NET30\n"
    )
    from creditpilot.receivables.customers import do_import_customers

    do_import_customers(company, tmp_path / "c.csv")
    # an invoices file gives no VAT: U1 is taken at its open amount; 242 days late
    (tmp_path / "i.csv").write_text(
        "customer_code,number,date,due_date,amount,currency\n"
        "UMBRELLA,U1,2025-10-01,2025-10-31,300.00,EUR\n"
    )
    do_import_invoices(company, tmp_path / "i.csv")
    globex = company.customers.get(code="GLOBEX")
    ExternalEvent.objects.create(
        company=company, customer=globex, kind="receivership", day=date(2026, 6, 20)
    )
    return company


def test_the_excluding_vat_amount_is_read_from_each_entry(company):
    by_number = {
        (d.number, d.amount): (d.entry_excl_vat, d.entry_total)
        for d in Document.objects.filter(company=company, kind="invoice")
    }
    assert len(by_number) == 7
    assert by_number[("F1", 1200_00)] == (1000_00, 1200_00)
    # two instalments of one entry: its 1,000.00 of revenue over its 1,200.00 of lines
    assert by_number[("F4", 700_00)] == by_number[("F4", 500_00)] == (1000_00, 1200_00)
    assert by_number[("U1", 300_00)] == (None, None)  # an invoices file gives no VAT
    payment = Document.objects.get(company=company, kind="payment")
    assert (payment.entry_excl_vat, payment.entry_total) == (None, None)


def test_the_provisions_by_hand(company):
    report = provisions(company, AS_OF)
    got = [
        (line.customer, line.number, line.open, line.open_excl_vat, line.percent,
         line.provision, line.reason)
        for line in report.items
    ]  # fmt: skip
    assert got == [
        ("ACME", "F1", 900_00, 750_00, 100, 750_00, "over_365"),
        ("ACME", "F4", 700_00, 583_33, 50, 291_67, "over_180"),
        ("ACME", "F4", 500_00, 416_67, 50, 208_33, "over_180"),
        ("ACME", "F2", 600_00, 500_00, 50, 250_00, "over_180"),
        ("GLOBEX", "G1", 120_00, 100_00, 100, 100_00, "proceedings"),
        ("UMBRELLA", "U1", 300_00, 300_00, 50, 150_00, "over_180"),
    ]
    assert report.total == 1750_00
    assert [line.vat_known for line in report.items] == [True] * 5 + [False]
    # before the proceedings were published, Globex's invoice was not provisioned
    assert "G1" not in {line.number for line in provisions(company, date(2026, 6, 15)).items}
    # a day earlier, F1 was 505 days late and F2 191: still the same rates
    body = json.loads(provisions_json(provisions(company, date(2026, 6, 29))))
    assert body["total_provision"] == "1750.00" and body["items"][0]["rate"] == "100"


def test_the_xlsx_carries_the_figures(company):
    book = openpyxl.load_workbook(io.BytesIO(provisions_xlsx(provisions(company, AS_OF))))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][0] == "customer" and rows[2][:2] == ("ACME", "F1")
    assert rows[-1][9] == 1750  # a number in the sheet


def test_the_command_line(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CREDITPILOT_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env["CREDITPILOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    env["CREDITPILOT_DATA_DIR"] = str(tmp_path / "data")

    def cp(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "creditpilot", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    cp("init")
    cp("import", "fec", str(ledger().write(tmp_path / "FEC.txt")))
    body = json.loads(cp("report", "provisions", "--as-of", "2026-06-30", "--format", "json"))
    # F1 750.00, F4 291.67 + 208.33, F2 250.00 (no proceedings, no invoices file here)
    assert body["total_provision"] == "1500.00" and body["total_open_excl_vat"] == "2250.00"
    assert body["items"][0] == {
        "customer": "ACME",
        "number": "F1",
        "date": "2025-01-10",
        "due_date": "2025-02-09",
        "days_past_due": 506,
        "open": "900.00",
        "open_excl_vat": "750.00",
        "vat_known": True,
        "rate": "100",
        "provision": "750.00",
        "reason": "over_365",
    }
    assert cp("report", "provisions", "--as-of", "2026-06-30", "--format", "csv").startswith(
        "customer,number,date,due_date"
    )


def test_the_month_end_is_proposed_approved_and_exported_as_a_balanced_fec(company, tmp_path):
    may = do_propose_provisions(company, date(2026, 5, 31))
    # F1 750.00 (100 %), F4 291.67 + 208.33 (50 %), U1 150.00 (50 %); F2 and G1 not yet
    assert (len(may.lines), may.total, may.status) == (4, 1400_00, "proposed")
    do_approve_provisions(company, date(2026, 5, 31), Actor("alice"))
    with pytest.raises(InvalidInputError):
        do_approve_provisions(company, date(2026, 5, 31), Actor("alice"))
    assert AuditEvent.objects.filter(action="provisions_approved").count() == 1
    # an approved month stays as approved, whatever the ledger says later
    assert do_propose_provisions(company, date(2026, 5, 31)).total == 1400_00

    june = do_propose_provisions(company, date(2026, 6, 30))
    do_approve_provisions(company, date(2026, 6, 30), Actor("alice"))
    june.refresh_from_db()
    assert [(m[0]["number"], m[1]) for m in provision_moves(june)] == [
        ("F2", 250_00),
        ("G1", 100_00),
    ]
    # July: U1 paid (its provision reversed), F4 over 365 days (to 100 %)
    (tmp_path / "paid.csv").write_text(
        "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount\n"
        "UMBRELLA,U1,2025-10-01,2025-10-31,300.00,EUR,2026-07-10,300.00\n"
    )
    do_import_invoices(company, tmp_path / "paid.csv")
    july = do_propose_provisions(company, date(2026, 7, 31))
    do_approve_provisions(company, date(2026, 7, 31), Actor("alice"))
    july.refresh_from_db()
    moves = [(m[0]["number"], m[1]) for m in provision_moves(july)]
    # 583.33 - 291.67 and 416.67 - 208.33: each month rounds its own provision
    assert moves == [("F4", 291_66), ("F4", 208_34), ("U1", -150_00)]

    # U1 paid: its 300.00 go back from 416 to 411; the rest stays where June put it
    assert [(m[0]["number"], m[1]) for m in transfer_moves(july)] == [("U1", -300_00)]

    # the entries, read back by the project's own FEC reader: balanced, nothing refused
    entries = _entries(tmp_path, provisions_fec(july))
    assert [[(leg[0], leg[1], leg[2]) for leg in legs] for legs in entries.values()] == [
        [("411000", "UMBRELLA", 300_00), ("416000", "UMBRELLA", -300_00)],
        [("681740", "", 291_66), ("491000", "", -291_66)],
        [("681740", "", 208_34), ("491000", "", -208_34)],
        [("491000", "", 150_00), ("781740", "", -150_00)],
    ]


def _entries(tmp_path, text: str) -> dict[str, list[tuple[str, str, int]]]:
    """The FEC's entries, read back by the project's own reader (nothing refused), as
    (account, auxiliary account, debit - credit in cents) by entry number; each balances."""
    path = tmp_path / "entries.txt"
    path.write_text(text, encoding="utf-8")
    read = read_fec(path)
    assert read.errors == []
    entries: dict[str, list[tuple[str, str, int]]] = {}
    for line in text.splitlines()[1:]:
        cells = line.split("|")
        debit, credit = (int(cells[i].replace(",", "")) for i in (11, 12))
        entries.setdefault(cells[2], []).append((cells[4], cells[6], debit - credit))
    assert all(sum(leg[2] for leg in legs) == 0 for legs in entries.values())
    assert read.data_lines == sum(len(legs) for legs in entries.values())
    return entries


def test_a_written_off_invoice_leaves_the_provisions_with_its_vat_given_back(company, tmp_path):
    from creditpilot.collections.decisions import do_decide
    from creditpilot.collections.litigation import do_close_case, do_open_case

    do_propose_provisions(company, date(2026, 6, 30))
    do_approve_provisions(company, date(2026, 6, 30), Actor("alice"))
    # in July ACME goes to litigation over F1 and F3, both written off on 20 July
    case = do_open_case(company, "ACME", today=date(2026, 7, 1), items=["F1", "F3"])
    acme = company.customers.get(code="ACME")
    do_decide(company, acme, "write_off", 900_00, True, "liquidation clôturée", False,
              Actor("mona"), "management")  # fmt: skip
    do_close_case(company, case.pk, "written_off", today=date(2026, 7, 20))
    july = do_propose_provisions(company, date(2026, 7, 31))
    # written off, neither is a doubtful debt any more
    assert not {"F1", "F3"} & {line["number"] for line in july.lines}
    assert july.writeoffs == [
        {"document": Document.objects.get(number="F1").pk, "customer": "ACME",
         "number": "F1", "due_date": "2025-02-09", "case": case.pk, "day": "2026-07-20",
         "open": 900_00, "open_excl_vat": 750_00, "vat": 150_00, "vat_known": True},
        {"document": Document.objects.get(number="F3").pk, "customer": "ACME",
         "number": "F3", "due_date": "2026-05-31", "case": case.pk, "day": "2026-07-20",
         "open": 240_00, "open_excl_vat": 200_00, "vat": 40_00, "vat_known": True},
    ]  # fmt: skip
    do_approve_provisions(company, date(2026, 7, 31), Actor("alice"))
    july.refresh_from_db()
    entries = list(_entries(tmp_path, provisions_fec(july)).values())
    # F1's 750.00 provision reversed, then the losses: F1's 750.00 + 150.00 of VAT against
    # 416, where it was; F3's against 411, since it never was doubtful at a month end
    assert [("491000", "", 750_00), ("781740", "", -750_00)] in entries
    assert entries[-2:] == [
        [("654000", "", 750_00), ("445710", "", 150_00), ("416000", "ACME", -900_00)],
        [("654000", "", 200_00), ("445710", "", 40_00), ("411000", "ACME", -240_00)],
    ]
    # nothing of F1 goes back to 411: the write-off clears it from 416
    assert all(m[0]["number"] != "F1" for m in transfer_moves(july))
    # written off, it is provisioned no more, even at a later date
    assert "F1" not in {line.number for line in provisions(company, date(2026, 9, 30)).items}


def test_a_customer_in_litigation_is_provisioned_in_full(company):
    from creditpilot.collections.litigation import do_close_case, do_open_case

    case = do_open_case(company, "ACME", today=date(2026, 6, 1), items=["F3"])
    lines = {line.number: line for line in provisions(company, AS_OF).items}
    # F3 (30 days late) and F2 now at 100 % of their amount excluding VAT: 200.00 and 500.00
    assert (lines["F3"].percent, lines["F3"].provision, lines["F3"].reason) == (
        100,
        200_00,
        "litigation",
    )
    assert (lines["F2"].percent, lines["F2"].provision) == (100, 500_00)
    do_close_case(company, case.pk, "settled", today=date(2026, 6, 20))
    assert "F3" not in {line.number for line in provisions(company, AS_OF).items}


def test_the_first_daily_run_after_a_month_end_proposes_it_when_none_ran_that_day(company):
    from creditpilot.orchestration.daily import do_daily_run
    from creditpilot.risk.models import ProvisionRun

    do_daily_run(company, date(2026, 7, 3))
    (run,) = ProvisionRun.objects.filter(company=company)
    assert run.month_end == AS_OF and run.total == provisions(company, AS_OF).total > 0
    do_approve_provisions(company, AS_OF, Actor(username="alice"))
    do_daily_run(company, date(2026, 7, 4))  # the month end has its run: nothing again
    (again,) = ProvisionRun.objects.filter(company=company)
    assert again.pk == run.pk and again.status == ProvisionRun.Status.APPROVED
