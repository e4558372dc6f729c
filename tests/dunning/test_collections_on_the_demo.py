"""Collections, part 2, on the demo company, as its credit manager would go through it: a plan
agreed and broken, dunning resuming; a case from formal notice to an order for payment whose
statement of claim is the interest report to the cent; the month end's provisions exported
as a balanced FEC; the decision matrix read on its page; a dispute from the portal to a
credit note."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from creditpilot.accounts.rights import Role
from creditpilot.accounts.services import do_add_user
from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.collections.dunning import dunning_cases, dunning_plan
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


def held(company, item_id: int, day: date) -> bool | None:
    """Whether dunning holds the open item back as disputed at ``day``; None when it is not
    among the items dunning looks at (settled)."""
    for case in dunning_cases(company, day):
        for item in case.items:
            if item.id == item_id:
                return item.disputed
    return None


def dunned_item(company, number: str, code: str, day: date) -> bool:
    return any(
        a.customer == code and number in a.numbers for a in dunning_plan(company, day).actions
    )


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


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_a_dispute_goes_from_the_portal_to_a_credit_note(demo, settings, tmp_path):
    """The customer disputes an invoice through the link of their reminder; it lands on the
    worklist and the timeline, is no longer dunned; the credit manager resolves it by a credit
    note, and the credit note, booked and imported the next day, settles the invoice."""
    import time_machine
    from django.core.files.uploadedfile import SimpleUploadedFile

    from creditpilot.collections.models import Dispute, DisputeFile, Task
    from creditpilot.collections.portal import PORTAL_USER, link_url, live_link
    from creditpilot.collections.timeline import timeline
    from creditpilot.collections.worklist import worklist
    from creditpilot.receivables.services import do_import_fec
    from tests.fecbuilder import Fec

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    day = END + timedelta(days=1)
    do_add_user("mona", password="x-not-used-1!", companies=[demo], role=Role.CREDIT_MANAGER)
    mona = Client()
    mona.force_login(
        get_user_model().objects.get(username="mona"),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    # an invoice the day's reminders chase, so that its dispute visibly holds dunning back
    action = min(dunning_plan(demo, day).actions, key=lambda a: (a.customer, a.step.key))
    customer = demo.customers.get(code=action.customer)
    invoice = next(d for d in open_debits(customer, day) if d.number in action.numbers)
    assert not held(demo, invoice.id, day)
    with time_machine.travel(day, tick=False):
        # the credit manager sends the customer their link (a reminder carries the same)
        assert mona.post(f"/c/{demo.code}/customers/{customer.code}/portal/").status_code == 302
        link = live_link(customer, timezone.now())
        path = link_url(link).split("://", 1)[1].split("/", 1)[1]
        guest = Client()
        page = guest.get(f"/{path}")
        assert page.status_code == 200 and invoice.number in page.content.decode()
        sent = guest.post(
            f"/{path}dispute/",
            {
                "item": invoice.number,
                "reason": "quality",
                "text": "Pièces défectueuses à la réception",
                "file": SimpleUploadedFile("bon.pdf", PDF, content_type="application/pdf"),
            },
        )
        assert sent.status_code == 302, sent.content[:300]
    dispute = Dispute.objects.get(customer=customer, item_id=invoice.id, status="open")
    assert (dispute.reason, dispute.created_by) == ("quality", PORTAL_USER)
    assert DisputeFile.objects.get(dispute=dispute).size == len(PDF)
    # on the collector's worklist and the customer's timeline; the item is no longer dunned
    tasks = [w.task for w in worklist(demo, day) if w.customer.pk == customer.pk]
    assert any(t.kind == Task.Kind.PORTAL_DISPUTE and t.dispute_id == dispute.pk for t in tasks)
    assert any(e.kind == "dispute" for e in timeline(demo, customer))
    actions = [a for a in dunning_plan(demo, day).actions if a.customer == customer.code]
    assert all(invoice.number not in [i.number for i in a.items] for a in actions)
    assert held(demo, invoice.id, day)
    # the credit manager resolves it by a credit note, from the disputes page
    with time_machine.travel(day, tick=False):
        done = mona.post(
            f"/c/{demo.code}/disputes/{dispute.pk}/",
            {"resolution": "credit_note", "note": "Avoir total : pièces reprises"},
        )
    assert done.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution, dispute.closed_by) == (
        "closed", "credit_note", "mona"
    )  # fmt: skip
    assert dispute.resolution_note == "Avoir total : pièces reprises"
    # nothing left to look into on the worklist; dunning takes the item again while it is owed
    task = Task.objects.get(dispute=dispute)
    assert (task.status, task.done_by) == ("done", "mona")
    assert all(w.task.dispute_id != dispute.pk for w in worklist(demo, day))
    assert held(demo, invoice.id, day) is False
    # who did what, in order: the link by mona, the dispute and its file by the customer
    # through the portal, its resolution (and its task) by mona
    trail = [
        (e.action, e.username)
        for e in AuditEvent.objects.filter(object_ref=customer.code).order_by("id")
        if e.action in ("portal_link_issued", "dispute_opened", "dispute_file_added",
                        "dispute_resolved", "task_done")
    ]  # fmt: skip
    assert trail == [
        ("portal_link_issued", "mona"),
        ("dispute_opened", PORTAL_USER),
        ("dispute_file_added", PORTAL_USER),
        ("dispute_resolved", "mona"),
        ("task_done", "mona"),
    ]
    resolved = AuditEvent.objects.get(action="dispute_resolved", object_ref=customer.code)
    assert (resolved.after["item"], resolved.after["resolution"]) == (invoice.number, "credit_note")
    # the credit note comes back with the next day's entries and settles the invoice
    credit = Fec()
    amount = f"{invoice.open // 100}.{invoice.open % 100:02d}"
    credit.credit_note(
        day.strftime("%Y%m%d"), customer.code, f"AV-{invoice.number}", amount,
        f"Avoir {invoice.number}",
    )  # fmt: skip
    do_import_fec(demo, credit.write(tmp_path / "FEC-avoir.txt"))
    assert invoice.number not in [d.number for d in open_debits(customer, day)]
    assert held(demo, invoice.id, day) is None  # settled: nothing left to remind
    assert not dunned_item(demo, invoice.number, customer.code, day)
    from creditpilot.receivables.models import Allocation, Document

    kept = Document.objects.get(pk=invoice.id)
    assert kept.is_active  # the day's file added the credit note; the invoice stays
    settling = Allocation.objects.get(invoice=kept, credit__number=f"AV-{invoice.number}")
    assert settling.amount == invoice.open
    with time_machine.travel(day, tick=False):  # the session was last saved on that day
        audit = mona.get(f"/c/{demo.code}/audit/")
    assert audit.status_code == 200, audit
    log = html.unescape(audit.content.decode())
    assert "a résolu un litige" in log and "avoir" in log
