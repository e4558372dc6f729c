"""Promises to pay and disputes in the store: what is recorded, what is refused and why."""

from __future__ import annotations

from datetime import date

import pytest

from creditpilot.collections.models import CollectionSettings, Dispute, Promise
from creditpilot.collections.services import (
    do_add_dispute,
    do_add_promise,
    do_close_dispute,
    do_resolve_promises,
    do_sync_imported_disputes,
)
from creditpilot.companies.services import do_init
from creditpilot.core.errors import InvalidInputError
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.demo_load import do_load_demo
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.receivables.models import Document

pytestmark = [pytest.mark.store, pytest.mark.django_db]

TODAY = date(2025, 7, 31)
CUSTOMERS = "code,name,siren,country,segment,payment_terms\nACME,Acme,,FR,,NET30\nINITECH,Initech,,FR,,NET30\n"
HEADER = "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount,disputed\n"
# ACME owes 550.00 on F1 (the 50.00 credit note settles it, oldest first), 500.00 on F2
# (disputed in the file)
INVOICES = (
    HEADER
    + "ACME,F1,2025-05-21,2025-06-20,1000.00,EUR,2025-07-05,400.00,no\n"
    + "ACME,F2,2025-06-21,2025-07-20,500.00,EUR,,,yes\n"
    + "ACME,F0,2025-01-10,2025-02-09,200.00,EUR,2025-02-01,200.00,no\n"
    + "ACME,AV1,2025-07-01,2025-07-01,-50.00,EUR,,,no\n"
    + "INITECH,I1,2025-08-10,2025-09-09,300.00,EUR,,,no\n"
)


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(INVOICES)
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def refused(code, func, *args, **kwargs):
    before = (Promise.objects.count(), Dispute.objects.count())
    with pytest.raises(InvalidInputError) as err:
        func(*args, **kwargs)
    assert err.value.code == code, err.value
    assert (Promise.objects.count(), Dispute.objects.count()) == before
    return str(err.value)


def test_a_promise_covers_all_open_items_by_default_and_waits_the_grace_days(company):
    CollectionSettings.objects.create(company=company, promise_grace_days=5)
    promise = do_add_promise(company, "ACME", "1050", date(2025, 8, 10), today=TODAY)
    assert sorted(promise.items.values_list("number", flat=True)) == ["F1", "F2"]
    assert (promise.amount, promise.status, promise.made_on) == (1050_00, "open", TODAY)
    assert promise.pauses_until == date(2025, 8, 15)
    on_f1 = do_add_promise(company, "ACME", "550.00", TODAY, today=TODAY, items=["F1"])
    assert list(on_f1.items.values_list("number", flat=True)) == ["F1"]
    assert on_f1.pauses_until == date(2025, 8, 5)


def test_a_promise_is_refused_in_the_past_over_what_is_owed_or_on_unknown_things(company):
    assert "2025-07-30 is before 2025-07-31" in refused(
        "promise_in_past", do_add_promise, company, "ACME", "10", date(2025, 7, 30), today=TODAY
    )
    # owed: 550 + 500 = 1,050.00
    assert "1050.01 is more than the 1050.00 owed" in refused(
        "promise_over_owed", do_add_promise, company, "ACME", "1050.01", TODAY, today=TODAY
    )
    refused(
        "promise_over_owed",
        do_add_promise,
        company,
        "ACME",
        "550.01",
        TODAY,
        today=TODAY,
        items=["F1"],
    )
    refused("unknown_customer", do_add_promise, company, "NOPE", "10", TODAY, today=TODAY)
    refused("unknown_item", do_add_promise, company, "ACME", "10", TODAY, today=TODAY, items=["F9"])
    refused(
        "item_not_open", do_add_promise, company, "ACME", "10", TODAY, today=TODAY, items=["F0"]
    )
    # INITECH's only invoice is dated after the day: nothing owed yet
    refused("nothing_owed", do_add_promise, company, "INITECH", "10", TODAY, today=TODAY)
    for bad in ("0", "-5", "abc", "10.001", "NaN"):
        refused("bad_amount", do_add_promise, company, "ACME", bad, TODAY, today=TODAY)


def test_a_dispute_is_opened_once_per_item_with_a_reason_and_closed_by_a_user(company):
    outcome = do_add_dispute(company, "ACME", "F1", "price", today=TODAY)
    assert outcome.created
    (dispute,) = outcome.disputes
    assert (dispute.reason, dispute.status, dispute.source, dispute.opened_on) == (
        "price",
        "open",
        "user",
        TODAY,
    )
    assert not do_add_dispute(company, "ACME", "F1", "price", today=TODAY).created
    refused("already_disputed", do_add_dispute, company, "ACME", "F1", "quality", today=TODAY)
    refused("bad_reason", do_add_dispute, company, "ACME", "F1", "mood", today=TODAY)
    refused("unknown_item", do_add_dispute, company, "ACME", "F9", "price", today=TODAY)
    refused("unknown_customer", do_add_dispute, company, "NOPE", "F1", "price", today=TODAY)
    assert do_close_dispute(company, "ACME", "F1", today=date(2025, 8, 2)) == 1
    dispute.refresh_from_db()
    assert (dispute.status, dispute.closed_on) == ("closed", date(2025, 8, 2))
    with pytest.raises(InvalidInputError) as err:
        do_close_dispute(company, "ACME", "F1", today=TODAY)
    assert err.value.code == "not_disputed"


def test_the_imports_disputed_column_opens_and_closes_disputes(company, tmp_path):
    (flagged,) = Dispute.objects.filter(company=company)
    assert (flagged.item.number, flagged.reason, flagged.source, flagged.status) == (
        "F2",
        "other",
        "import",
        "open",
    )
    # the next file no longer flags F2 and flags F1
    text = INVOICES.replace("EUR,,,yes", "EUR,,,no").replace("400.00,no", "400.00,yes")
    (tmp_path / "i2.csv").write_text(text)
    do_import_invoices(company, tmp_path / "i2.csv")
    disputes = {d.item.number: d for d in Dispute.objects.filter(company=company)}
    assert (disputes["F2"].status, disputes["F2"].closed_by) == ("closed", "import")
    assert (disputes["F1"].status, disputes["F1"].source) == ("open", "import")
    # a user settles F1's dispute: the flag the file still carries does not reopen it
    do_close_dispute(company, "ACME", "F1", today=TODAY)
    assert do_sync_imported_disputes(company, TODAY) == (0, 0)
    assert not Dispute.objects.filter(company=company, status="open").exists()


def test_an_item_whose_dispute_a_user_resolved_is_dunned_again_despite_the_files_flag(company):
    from creditpilot.audit.services import Actor
    from creditpilot.collections.disputes import do_resolve_dispute
    from creditpilot.collections.dunning import dunning_cases

    def f2(day):
        (acme,) = [c for c in dunning_cases(company, day) if c.customer == "ACME"]
        return next(i for i in acme.items if i.number == "F2")

    day = date(2025, 8, 20)
    assert f2(day).disputed  # the file flags it, a dispute is open
    (dispute,) = Dispute.objects.filter(company=company, item__number="F2")
    do_resolve_dispute(company, dispute.pk, "rejected", "livraison conforme", day, Actor("mona"))
    assert Document.objects.get(company=company, number="F2").disputed  # the file's flag stays
    assert not f2(day).disputed
    assert f2(date(2025, 8, 19)).disputed  # before the resolution, it was still held back


def test_the_demos_disputed_invoices_become_disputes():
    company = do_load_demo(
        "DISPUTES", customers=10, lines=800, seed=3, end=date(2026, 6, 30)
    ).company
    flagged = set(
        Document.objects.filter(company=company, disputed=True).values_list("id", flat=True)
    )
    assert flagged
    # an item the payments settled (oldest first, without lettering) is no longer in dispute
    from django.db.models import Sum

    from creditpilot.receivables.models import Allocation

    settled = dict(
        Allocation.objects.filter(invoice_id__in=flagged, date__lte=date(2026, 6, 30))
        .values("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    amounts = dict(Document.objects.filter(id__in=flagged).values_list("id", "amount"))
    unpaid = {i for i in flagged if settled.get(i, 0) < amounts[i]}
    assert unpaid
    opened, closed = do_sync_imported_disputes(company, date(2026, 6, 30))
    assert (opened, closed) == (len(unpaid), 0)
    assert (
        set(
            Dispute.objects.filter(company=company, status="open").values_list("item_id", flat=True)
        )
        == unpaid
    )
    assert do_sync_imported_disputes(company, date(2026, 6, 30)) == (0, 0)
    # disputed invoices are ones still unpaid in the ledger
    assert not Document.objects.filter(id__in=flagged).exclude(lettering="").exists()


def test_the_demos_disputes_read_like_a_collectors():
    from creditpilot.accounts.services import do_add_user
    from creditpilot.collections.disputes import do_stage_demo_disputes

    end = date(2026, 6, 30)
    company = do_load_demo("STAGED", customers=40, lines=4000, seed=3, end=end).company
    do_sync_imported_disputes(company, end)
    do_add_user("demo", password="x-not-used-1!", companies=[company], role="admin")
    n = do_stage_demo_disputes(company, end, 3, "demo")
    disputes = list(Dispute.objects.filter(company=company).select_related("item"))
    assert n == len(disputes) >= 6
    assert {d.reason for d in disputes} >= {"price", "quantity", "quality", "delivery"}
    assert all(d.note and d.item.date <= d.opened_on <= end for d in disputes)
    closed = [d for d in disputes if d.status == "closed"]
    assert closed and all(d.resolution and d.closed_by == "demo" for d in closed)
    assert all(d.opened_on < d.closed_on <= end for d in closed)
    still = [d for d in disputes if d.status == "open"]
    assert {d.owner for d in still} == {"demo", ""}
    assert all(d.deadline >= d.opened_on for d in still)
    # the flag the demo set no longer reopens a resolved one
    assert do_sync_imported_disputes(company, end) == (0, 0)


def test_promises_are_kept_when_their_items_receive_the_amount_else_broken(company, tmp_path):
    kept = do_add_promise(company, "ACME", "550", date(2025, 8, 10), today=TODAY, items=["F1"])
    broken = do_add_promise(company, "ACME", "500", date(2025, 8, 10), today=TODAY, items=["F2"])
    # the next file: F1 paid in full on 8 August, F2 still unpaid
    (tmp_path / "i2.csv").write_text(INVOICES.replace("2025-07-05,400.00", "2025-08-08,1000.00"))
    do_import_invoices(company, tmp_path / "i2.csv")
    assert do_resolve_promises(company, date(2025, 8, 7)) == {"kept": 0, "broken": 0}
    assert do_resolve_promises(company, date(2025, 8, 8)) == {"kept": 1, "broken": 0}
    # 10 August plus 3 days of grace: broken on the 14th
    assert do_resolve_promises(company, date(2025, 8, 13)) == {"kept": 0, "broken": 0}
    assert do_resolve_promises(company, date(2025, 8, 14)) == {"kept": 0, "broken": 1}
    kept.refresh_from_db()
    broken.refresh_from_db()
    assert (kept.status, kept.resolved_on) == ("kept", date(2025, 8, 8))
    assert (broken.status, broken.resolved_on) == ("broken", date(2025, 8, 14))


def test_a_disputed_item_paid_in_full_closes_its_dispute_and_opens_none_again(company, tmp_path):
    paid = INVOICES.replace("500.00,EUR,,,yes", "500.00,EUR,2025-08-05,500.00,yes")
    (tmp_path / "paid.csv").write_text(paid)
    assert Dispute.objects.get(company=company, item__number="F2").status == "open"
    do_import_invoices(company, tmp_path / "paid.csv")  # the import syncs the disputes as well
    (dispute,) = Dispute.objects.filter(company=company, item__number="F2")
    assert (dispute.status, dispute.closed_by) == ("closed", "import")
    # the file still flags it: a paid item gets no new dispute
    assert do_sync_imported_disputes(company, date(2025, 8, 6)) == (0, 0)
    assert not Dispute.objects.filter(company=company, status="open").exists()
