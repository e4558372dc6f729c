"""Collections, part 2, on the demo company, as its credit manager would go through it: a plan
agreed and broken, dunning resuming; a case from formal notice to an order for payment whose
statement of claim is the interest report to the cent; the month end's provisions exported
as a balanced FEC; the decision matrix read on its page."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from creditpilot.accounts.rights import Role
from creditpilot.accounts.services import do_add_user
from creditpilot.audit.services import Actor
from creditpilot.collections.dunning import dunning_plan
from creditpilot.collections.interest import interest_report
from creditpilot.collections.litigation import do_move_case, do_open_case, statement_of_claim
from creditpilot.collections.plans import do_add_plan, settle_plans
from creditpilot.collections.services import do_resolve_promises, open_debits
from creditpilot.readers.fec import read_fec
from creditpilot.receivables.demo_load import do_load_demo
from creditpilot.risk.provision_entries import provisions_fec
from creditpilot.risk.provisions import do_approve_provisions, do_propose_provisions

pytestmark = [pytest.mark.store, pytest.mark.django_db]
END = date(2026, 6, 30)


@pytest.fixture
def demo():
    """A small demo company."""
    return do_load_demo("COLL", customers=40, lines=5000, seed=11, end=END).company


def dunned(company, code: str, day: date) -> bool:
    return any(a.customer == code for a in dunning_plan(company, day).actions)


def test_a_plan_agreed_then_missed_and_dunning_resumes(demo):
    chased = sorted({a.customer for a in dunning_plan(demo, END).actions})
    assert chased, "the demo has customers to remind at its last day"
    customer = demo.customers.get(code=chased[0])
    owed = sum(d.open for d in open_debits(customer, END))
    first = owed // 3
    plan = do_add_plan(
        demo, customer.code,
        [(END + timedelta(days=10), first), (END + timedelta(days=40), owed - first)],
        today=END,
    )  # fmt: skip
    assert not dunned(demo, customer.code, END)
    missed = END + timedelta(days=14)  # the first instalment's day and its 3 grace days passed
    for n in range(1, 15):
        day = END + timedelta(days=n)
        do_resolve_promises(demo, day)
        settle_plans(demo, day)
        if day < missed:
            assert not dunned(demo, customer.code, day), day
    plan.refresh_from_db()
    assert plan.status == "broken"
    assert dunned(demo, customer.code, missed)


def test_a_case_goes_to_an_order_for_payment_with_the_interest_report_to_the_cent(demo):
    report = interest_report(demo, END)
    debtor = max(
        {line.customer for line in report.items},
        key=lambda code: sum(line.open for line in report.items if line.customer == code),
    )
    case = do_open_case(demo, debtor, today=END, stage="formal_notice")
    case = do_move_case(demo, case.pk, "order_for_payment", today=END)
    claim = statement_of_claim(demo, case, END)
    expected = {
        line.number: (line.open, line.interest, line.indemnity)
        for line in report.items
        if line.customer == debtor
    }
    got = {
        line["number"]: (line["open"], line["interest"], line["indemnity"]) for line in claim.lines
    }
    assert got == expected and claim.interest > 0
    assert claim.total == sum(sum(v) for v in expected.values())


def test_the_month_end_provisions_export_reads_back_as_a_balanced_fec(demo, tmp_path):
    run = do_propose_provisions(demo, END)
    assert run.lines and run.total > 0
    do_approve_provisions(demo, END, Actor("mona"))
    run.refresh_from_db()
    path = tmp_path / "provisions.txt"
    path.write_text(provisions_fec(run), encoding="utf-8")
    read = read_fec(path)
    assert read.errors == [] and read.data_lines > 0
    entries: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split("|")
        debit, credit = (int(cells[i].replace(",", "")) for i in (11, 12))
        entries[cells[2]] = entries.get(cells[2], 0) + debit - credit
    assert set(entries.values()) == {0}


def test_the_decision_matrix_page_says_who_decides_what(demo, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    do_add_user("mona", password="x-not-used-1!", companies=[demo], role=Role.CREDIT_MANAGER)
    client = Client()
    client.force_login(
        get_user_model().objects.get(username="mona"),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    page = html.unescape(client.get(f"/c/{demo.code}/decisions/").content.decode())
    for words in ("Matrice de décision", "Mise en demeure", "Injonction de payer", "Avocat",
                  "Passage en perte", "la direction au-delà"):  # fmt: skip
        assert words in page, words
