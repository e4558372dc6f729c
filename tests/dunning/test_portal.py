"""The customer portal's links and actions in the store: what opens, what is refused and why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import signing

from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.collections.models import (
    CollectionSettings,
    CustomerProfile,
    Dispute,
    DisputeFile,
    PortalLink,
    Promise,
    Task,
)
from creditpilot.collections.portal import (
    MAX_FILE_BYTES,
    PORTAL_USER,
    SALT,
    Upload,
    do_issue_link,
    do_portal_dispute,
    do_portal_plan_request,
    do_portal_promise,
    do_revoke_links,
    find_link,
    issue_links,
    link_url,
    token_of,
)
from creditpilot.collections.templates import (
    PREVIEW_PORTAL_URL,
    TEMPLATE_VARIABLES,
    check_template,
    render_preview,
)
from creditpilot.companies.services import do_add_company, do_init
from creditpilot.core.errors import InvalidInputError
from creditpilot.customers.models import Customer
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices

pytestmark = [pytest.mark.store, pytest.mark.django_db]

TODAY = date(2025, 7, 31)
NOW = datetime(2025, 7, 31, 9, 0, tzinfo=UTC)
ALICE = Actor(username="alice")
CUSTOMERS = "code,name,siren,country,segment,payment_terms\nACME,Acme,,FR,,NET30\nINITECH,Initech,,FR,,NET30\n"
HEADER = "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount,disputed\n"
# ACME owes 1,000.00 on F1 and 500.00 on F2; F0 is paid
INVOICES = (
    HEADER
    + "ACME,F1,2025-05-21,2025-06-20,1000.00,EUR,,,no\n"
    + "ACME,F2,2025-06-21,2025-07-20,500.00,EUR,,,no\n"
    + "ACME,F0,2025-01-10,2025-02-09,200.00,EUR,2025-02-01,200.00,no\n"
    + "INITECH,I1,2025-06-10,2025-07-10,300.00,EUR,,,no\n"
)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def company(tmp_path):
    company = do_init()
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    do_import_customers(company, tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(INVOICES)
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def customer(company, code="ACME"):
    return Customer.objects.get(company=company, code=code)


@pytest.fixture
def link(company):
    return do_issue_link(company, customer(company), NOW, ALICE)


def changed(token: str, position: int) -> str:
    """The token with one character replaced by another of the same alphabet."""
    char = token[position]
    other = "B" if char != "B" else "C"
    return token[:position] + other + token[position + 1 :]


def test_a_link_opens_its_customer_until_it_expires(company, link):
    token = token_of(link)
    found = find_link(token, NOW)
    assert found is not None and found.customer.code == "ACME" and found.company == company
    assert link.expires_at == NOW + timedelta(days=60)
    assert find_link(token, NOW + timedelta(days=59, hours=23)) is not None
    assert find_link(token, NOW + timedelta(days=60)) is None
    assert link_url(link) == f"http://localhost:8000/portal/{token}/"
    assert AuditEvent.objects.filter(action="portal_link_issued", username="alice").count() == 1


def test_a_changed_or_forged_token_finds_nothing(company, link):
    token = token_of(link)
    nonce, signature = token.split(".")
    assert len(nonce) >= 32 and len(signature) >= 40
    for position in (0, len(nonce) // 2, len(nonce) + 1, len(token) - 1):
        assert find_link(changed(token, position), NOW) is None, position
    # the nonce without its signature, the nonce signed for another use, nothing, too much
    for forged in (
        nonce,
        signing.Signer(salt="another.use", sep=".").sign(nonce),
        "",
        token + "x",
        "x" * 5000,
    ):
        assert find_link(forged, NOW) is None


def test_the_store_alone_does_not_make_a_link(company, link, settings):
    """A copy of the rows without the site's key gives no working token."""
    stored = PortalLink.objects.get(pk=link.pk)
    elsewhere = signing.Signer(key="another site's key", salt=SALT, sep=".").sign(stored.nonce)
    assert find_link(elsewhere, NOW) is None
    # a site whose key changed: the links it sent no longer open
    sent = token_of(link)
    settings.SECRET_KEY = "a new key"
    assert find_link(sent, NOW) is None


def test_a_revoked_link_opens_nothing_and_the_revocation_is_audited(company, link):
    assert do_revoke_links(company, customer(company), NOW, ALICE) == 1
    assert find_link(token_of(link), NOW) is None
    event = AuditEvent.objects.get(action="portal_link_revoked")
    assert (event.username, event.object_ref) == ("alice", "ACME")
    with pytest.raises(InvalidInputError) as err:
        do_revoke_links(company, customer(company), NOW, ALICE)
    assert err.value.code == "no_live_link"
    # the next reminder carries a new link, which opens
    fresh = do_issue_link(company, customer(company), NOW, ALICE)
    assert fresh.pk != link.pk and find_link(token_of(fresh), NOW).pk == fresh.pk


def test_a_reminder_reuses_the_live_link_until_two_weeks_before_its_end(company, link):
    acme, initech = customer(company), customer(company, "INITECH")
    again = issue_links(company, [acme, initech], NOW + timedelta(days=40), ALICE)
    assert again[acme.pk].pk == link.pk  # 20 days left: the same link
    assert again[initech.pk].customer_id == initech.pk
    later = issue_links(company, [acme], NOW + timedelta(days=47), ALICE)
    assert later[acme.pk].pk != link.pk  # 13 days left: a new one
    assert (
        find_link(token_of(link), NOW + timedelta(days=47)) is not None
    )  # the old one still opens


def test_the_company_chooses_how_long_a_link_lasts(company):
    CollectionSettings.objects.create(company=company, portal_link_days=10)
    link = do_issue_link(company, customer(company, "INITECH"), NOW, ALICE)
    assert link.expires_at == NOW + timedelta(days=10)


def test_a_link_of_another_company_opens_only_that_companys_customer(company, link, tmp_path):
    other = do_add_company("B", "Other company")
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    do_import_customers(other, tmp_path / "c.csv")
    theirs = do_issue_link(other, Customer.objects.get(company=other, code="ACME"), NOW, ALICE)
    found = find_link(token_of(theirs), NOW)
    assert found.company == other and found.customer.company == other
    assert find_link(token_of(link), NOW).company == company


def test_a_promise_through_the_portal_lands_on_the_collectors_worklist(company, link):
    collector = get_user_model().objects.create_user("colette")
    CustomerProfile.objects.create(company=company, customer=customer(company), collector=collector)
    promise = do_portal_promise(
        link, "1000,00", TODAY + timedelta(days=10), today=TODAY, items=["F1"], note="virement"
    )
    assert (promise.amount, promise.created_by) == (1000_00, PORTAL_USER)
    assert list(promise.items.values_list("number", flat=True)) == ["F1"]
    task = Task.objects.get(kind=Task.Kind.PORTAL_PROMISE)
    assert (task.promise, task.assigned_to, task.amount, task.status) == (
        promise,
        collector,
        1000_00,
        "open",
    )
    assert task.detail == {"promised_date": "2025-08-10"}
    event = AuditEvent.objects.get(action="promise_added")
    assert (event.username, event.object_ref) == (PORTAL_USER, "ACME")


@pytest.mark.parametrize(
    ("day", "amount", "code"),
    [
        (TODAY - timedelta(days=1), "100", "promise_in_past"),
        (TODAY + timedelta(days=91), "100", "promise_too_far"),
        (TODAY + timedelta(days=5), "1500.01", "promise_over_owed"),
        (TODAY + timedelta(days=5), "-3", "bad_amount"),
    ],
)
def test_a_promise_through_the_portal_is_refused_out_of_bounds(company, link, day, amount, code):
    with pytest.raises(InvalidInputError) as err:
        do_portal_promise(link, amount, day, today=TODAY)
    assert err.value.code == code
    assert not Promise.objects.exists() and not Task.objects.exists()
    assert (
        do_portal_promise(link, "1500", TODAY + timedelta(days=90), today=TODAY).amount == 1500_00
    )


def test_a_dispute_through_the_portal_keeps_its_file_and_asks_the_collector(company, link):
    upload = Upload("../../bon de livraison.PDF", "application/pdf", PDF)
    dispute = do_portal_dispute(link, "F2", "delivery", "Jamais livré", upload, today=TODAY)
    assert (dispute.item.number, dispute.reason, dispute.note) == ("F2", "delivery", "Jamais livré")
    assert dispute.created_by == PORTAL_USER
    stored = DisputeFile.objects.get(dispute=dispute)
    assert (stored.name, stored.content_type, stored.size) == (
        "bon_de_livraison.PDF",
        "application/pdf",
        len(PDF),
    )
    assert bytes(stored.data) == PDF
    task = Task.objects.get(kind=Task.Kind.PORTAL_DISPUTE)
    assert (task.dispute, task.amount) == (dispute, 500_00)
    assert AuditEvent.objects.filter(action="dispute_file_added", username=PORTAL_USER).exists()


@pytest.mark.parametrize(
    ("item", "upload", "code"),
    [
        ("F1", Upload("facture.pdf", "application/pdf", b"<html><script>"), "file_type"),
        ("F1", Upload("page.html", "text/html", PDF), "file_type"),
        ("F1", Upload("empty.pdf", "application/pdf", b""), "file_type"),
        ("F1", Upload("big.pdf", "application/pdf", PDF + b"0" * MAX_FILE_BYTES), "file_too_large"),
        ("F0", None, "item_not_open"),  # paid
        ("I1", None, "item_not_open"),  # another customer's
        ("F9", None, "item_not_open"),
    ],
)
def test_a_dispute_through_the_portal_is_refused_with_nothing_kept(
    company, link, item, upload, code
):
    with pytest.raises(InvalidInputError) as err:
        do_portal_dispute(link, item, "price", "x", upload, today=TODAY)
    assert err.value.code == code
    assert not Dispute.objects.exists() and not DisputeFile.objects.exists()
    assert not Task.objects.exists()


def test_resolving_a_portal_dispute_takes_its_task_off_the_worklist(company, link):
    from creditpilot.collections.disputes import do_resolve_dispute
    from creditpilot.collections.services import do_close_dispute
    from creditpilot.collections.worklist import worklist

    credited = do_portal_dispute(link, "F1", "price", "x", None, today=TODAY)
    dropped = do_portal_dispute(link, "F2", "delivery", "y", None, today=TODAY)
    assert {w.task.dispute_id for w in worklist(company, TODAY)} == {credited.pk, dropped.pk}
    do_resolve_dispute(company, credited.pk, "credit_note", "avoir", TODAY, ALICE)
    (left,) = worklist(company, TODAY)
    assert left.task.dispute_id == dropped.pk
    done = Task.objects.get(dispute=credited)
    assert (done.status, done.outcome, done.done_by, done.note) == ("done", "done", "alice", "x")
    # closed without a resolution (the dunning page, the API, the command): the same
    do_close_dispute(company, "ACME", "F2", today=TODAY, username="alice")
    assert worklist(company, TODAY) == []
    tasks_done = AuditEvent.objects.filter(action="task_done", username="alice")
    assert tasks_done.count() == 2


def test_an_invoice_already_disputed_is_refused(company, link):
    do_portal_dispute(link, "F1", "price", "x", None, today=TODAY)
    with pytest.raises(InvalidInputError) as err:
        do_portal_dispute(link, "F1", "price", "again", None, today=TODAY)
    assert err.value.code == "already_disputed"
    assert Dispute.objects.count() == 1


def test_a_plan_request_is_a_task_not_a_plan(company, link):
    task = do_portal_plan_request(link, 3, "Trésorerie tendue", today=TODAY)
    assert (task.kind, task.amount, task.detail, task.note) == (
        "plan_request",
        1500_00,
        {"instalments": 3},
        "Trésorerie tendue",
    )
    assert not customer(company).plans.exists()
    event = AuditEvent.objects.get(action="plan_requested")
    assert event.username == PORTAL_USER and event.after["instalments"] == 3
    with pytest.raises(InvalidInputError) as err:
        do_portal_plan_request(link, 3, "encore", today=TODAY)
    assert err.value.code == "plan_already_asked"
    for wrong in (0, 1, 13):
        with pytest.raises(InvalidInputError) as err:
            do_portal_plan_request(link, wrong, "", today=TODAY)
        assert err.value.code == "bad_instalments"
    assert Task.objects.filter(kind="plan_request").count() == 1


def test_the_wording_knows_the_portal_link(company):
    assert "portal_url" in TEMPLATE_VARIABLES
    check_template("Relance", "Votre espace : {{ portal_url }}")  # accepted when saved
    preview = render_preview(company, customer(company), "reminder_1", TODAY, "fr", False)
    assert PREVIEW_PORTAL_URL in preview.body  # the preview issues no link
    assert not PortalLink.objects.exists()
