"""Litigation cases: stages, costs, outcome; the statement of claim matching the interest
report to the cent; the insolvency claim's deadline; a write-off only once approved."""

from __future__ import annotations

from datetime import date

import pytest

from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.collections.actions import do_carry_out
from creditpilot.collections.decisions import do_decide
from creditpilot.collections.interest import interest_report
from creditpilot.collections.litigation import (
    do_case_money,
    do_close_case,
    do_move_case,
    do_open_case,
    statement_of_claim,
)
from creditpilot.companies.services import do_init
from creditpilot.core.errors import InvalidInputError
from creditpilot.customers.models import Customer
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices

pytestmark = [pytest.mark.store, pytest.mark.django_db]
DAY = date(2025, 7, 15)


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms,email\nACME,Acme,,FR,PME,NET30,a@acme.fr\n"
    )
    do_import_customers(company, tmp_path / "c.csv")
    Customer.objects.filter(code="ACME").update(address="1 rue Haute\n13001 Marseille")
    (tmp_path / "i.csv").write_text(
        "customer_code,number,date,due_date,amount,currency\n"
        "ACME,F1,2025-05-01,2025-05-31,10000.00,EUR\n"
        "ACME,F2,2025-05-16,2025-06-15,2000.00,EUR\n"
        "ACME,F3,2025-07-01,2025-07-31,500.00,EUR\n"  # not yet due: not in the case
    )
    do_import_invoices(company, tmp_path / "i.csv")
    do_carry_out(company, date(2025, 6, 16))  # the reminders, the claim's exhibits
    return company


def test_the_statement_of_claim_is_the_interest_report_to_the_cent(company):
    case = do_open_case(company, "ACME", today=DAY, stage="formal_notice", username="alice")
    assert sorted(case.items.values_list("number", flat=True)) == ["F1", "F2"]
    claim = statement_of_claim(company, case, DAY)
    report = {line.number: line for line in interest_report(company, DAY).items}
    for line in claim.lines:
        expected = report[line["number"]]
        assert (line["open"], line["interest"], line["indemnity"]) == (
            expected.open,
            expected.interest,
            expected.indemnity,
        )
    by_number = {line["number"]: line for line in claim.lines}
    assert by_number["F1"]["interest"] == 158_01  # by hand, across 1 July 2025
    assert claim.principal == 12_000_00 and claim.indemnity == 80_00
    assert claim.total == claim.principal + claim.interest + claim.indemnity
    body = claim.as_json()
    assert body["principal"] == "12000.00" and body["reminders"], body
    assert {"step", "day", "channel"} <= set(body["reminders"][0])


def test_stages_deadline_money_and_outcome(company):
    case = do_open_case(company, "ACME", today=DAY)
    do_move_case(company, case.pk, "order_for_payment", today=date(2025, 8, 1))
    with pytest.raises(InvalidInputError):
        do_move_case(company, case.pk, "insolvency_claim", today=date(2025, 9, 1))
    case = do_move_case(
        company, case.pk, "insolvency_claim", today=date(2025, 9, 1), published_on=date(2025, 8, 31)
    )
    assert case.deadline == date(2025, 10, 31)
    assert [h["stage"] for h in case.history] == [
        "amicable",
        "order_for_payment",
        "insolvency_claim",
    ]
    with pytest.raises(InvalidInputError):
        do_case_money(company, case.pk, costs=-1)
    case = do_case_money(company, case.pk, costs=350_00, recovered=2_000_00)
    assert (case.costs, case.recovered) == (350_00, 2_000_00)
    with pytest.raises(InvalidInputError) as err:
        do_close_case(company, case.pk, "written_off", today=date(2025, 12, 1))
    assert err.value.code == "write_off_not_approved"
    acme = Customer.objects.get(code="ACME")
    do_decide(company, acme, "write_off", 10_000_00, True, "liquidation clôturée", False,
              Actor("mona"), "management")  # fmt: skip
    case = do_close_case(company, case.pk, "written_off", today=date(2025, 12, 1))
    assert (case.outcome, case.closed_on) == ("written_off", date(2025, 12, 1))
    with pytest.raises(InvalidInputError):
        do_move_case(company, case.pk, "lawyer", today=date(2025, 12, 2))
    actions = list(
        AuditEvent.objects.filter(action__startswith="case_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["case_opened", "case_moved", "case_moved", "case_money", "case_closed"]


def test_a_case_for_a_customer_with_nothing_past_due_is_refused(company, tmp_path):
    with pytest.raises(InvalidInputError) as err:
        do_open_case(company, "ACME", today=date(2025, 5, 1))
    assert err.value.code == "nothing_owed"


def test_the_request_for_an_order_for_payment_reads_back_to_the_cent(company):
    import io

    import pypdf

    from creditpilot.collections.claim_document import claim_pdf

    case = do_open_case(company, "ACME", today=DAY, stage="formal_notice")
    case = do_move_case(company, case.pk, "order_for_payment", today=DAY)
    claim = statement_of_claim(company, case, DAY)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(claim_pdf(claim))).pages)
    flat = text.replace("\u202f", " ").replace("\u00a0", " ")
    total = f"{claim.total // 100:,}".replace(",", " ") + f",{claim.total % 100:02d} €"
    assert "Requête en injonction de payer" in flat and "158,01 €" in flat
    assert f"Total : {total}" in flat and "articles 1405 et suivants" in flat
    assert "Relance" in flat and "Facture F1" in flat


def test_the_agency_hand_over_file(company):
    import csv
    import io

    from creditpilot.collections.claim_document import agency_csv

    case = do_open_case(company, "ACME", today=DAY, stage="collection_agency")
    text = agency_csv(statement_of_claim(company, case, DAY))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["dossier", "client", "nom"]
    f1 = next(r for r in rows if r[7] == "F1")
    assert f1[1:3] == ["ACME", "Acme"] and f1[4] == "1 rue Haute, 13001 Marseille"
    assert (f1[10], f1[12], f1[13]) == ("10000,00", "158,01", "40,00")
