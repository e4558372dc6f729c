"""The daily run carries out dunning: emails to a real SMTP server, letters in PDF, tasks; once."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta

import pypdf
import pytest
from django.utils import timezone

from creditpilot.audit.services import Actor
from creditpilot.collections.letters import day_letters
from creditpilot.collections.models import CustomerProfile, Message, Step, StepSent, Task
from creditpilot.collections.portal import find_link
from creditpilot.collections.services import do_add_dispute, do_add_promise
from creditpilot.collections.templates import do_save_template
from creditpilot.companies.models import Company
from creditpilot.companies.services import do_init
from creditpilot.customers.models import Customer
from creditpilot.orchestration.daily import do_daily_run
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices

pytestmark = [pytest.mark.store, pytest.mark.django_db]

TODAY = date(2026, 6, 30)
CUSTOMERS = """code,name,siren,country,segment,payment_terms,email
ACME,Acme SARL,,FR,PME,NET30,compta@acme.fr
GLOBEX,Globex SA,,FR,ETI,NET30,factures@globex.fr
INITECH,Initech,,FR,PME,NET30,
HOOLI,Hooli,,FR,PME,NET30,ap@hooli.fr
"""
HEADER = "customer_code,number,date,due_date,amount,currency,paid_date,paid_amount,disputed\n"
INVOICES = HEADER + (
    "ACME,A1,2026-05-11,2026-06-10,1000.00,EUR,2026-06-20,400.00,no\n"  # 20 days: reminder 2
    "GLOBEX,G1,2026-04-15,2026-05-15,800.00,EUR,,,no\n"  # 46 days: formal notice
    "INITECH,I1,2026-06-20,2026-06-29,500.00,EUR,,,no\n"  # 1 day: reminder 1, no email
    "HOOLI,H1,2026-06-04,2026-07-04,150.00,EUR,,,no\n"  # due in 4 days: courtesy
)


@pytest.fixture
def company(tmp_path) -> Company:
    company = do_init()
    Company.objects.filter(pk=company.pk).update(
        name="Dupont Négoce",
        siren="552100554",
        sender_email="relances@dupont.fr",
        iban="FR7630006000011234567890189",
        address="3 rue des Lilas\n69003 Lyon",
    )
    company.refresh_from_db()
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    do_import_customers(company, tmp_path / "c.csv")
    Customer.objects.filter(company=company, code="GLOBEX").update(
        address="12 avenue Foch\n75016 Paris"
    )
    (tmp_path / "i.csv").write_text(INVOICES)
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def test_the_run_sends_each_reminder_once(company, smtp):
    day = do_daily_run(company, TODAY)
    inbox = smtp.inbox
    assert sorted(m["To"] for m in inbox.messages) == ["ap@hooli.fr", "compta@acme.fr"]
    (acme,) = inbox.to("compta@acme.fr")
    assert acme["Subject"] == "Deuxième relance : factures impayées – Dupont Négoce"
    assert "Dupont Négoce" in acme["From"] and "relances@dupont.fr" in acme["From"]
    text = acme.get_body(("plain",)).get_content()
    assert (
        "facture A1 du 11 mai 2026, échue le 10 juin 2026 (20 jours de retard) : 600,00\u00a0€"
        in text
    )
    stored = Message.objects.get(customer__code="ACME")
    assert stored.status == Message.Status.SENT and stored.message_id == acme["Message-ID"]
    assert day.sending.sent == 2 and day.dunning.actions == 4
    # the statement of account is attached, and stored with the message
    (attached,) = list(acme.iter_attachments())
    assert attached.get_filename() == "releve-ACME-2026-06-30.pdf"
    pdf = attached.get_content()
    statement = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Relevé de compte" in statement and "Facture A1" in statement
    assert stored.pdf_sha256 == hashlib.sha256(pdf).hexdigest()

    again = do_daily_run(company, TODAY)
    assert len(inbox.messages) == 2
    assert again.dunning.actions == 0 and again.sending.sent == 0
    assert Message.objects.count() == 5  # 2 sent, Globex's email and letter, Initech's


def test_a_formal_notice_waits_for_approval_and_its_letter_is_a_pdf(company, smtp):
    do_daily_run(company, TODAY)
    email, letter = (
        Message.objects.get(customer__code="GLOBEX", channel=c) for c in ("email", "letter")
    )
    assert email.status == letter.status == Message.Status.AWAITING_APPROVAL
    assert Task.objects.filter(customer__code="GLOBEX", kind="approval").count() == 1
    assert smtp.inbox.to("factures@globex.fr") == []
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(letter.pdf)).pages)
    assert "Mise en demeure de payer" in text and "12 avenue Foch" in text
    assert "LETTRE RECOMMANDÉE AVEC AR" in text.upper()
    assert "SIREN 552100554" in text
    assert len(letter.pdf_sha256) == 64

    Message.objects.filter(pk=email.pk).update(status=Message.Status.PENDING)  # approved
    do_daily_run(company, TODAY + timedelta(days=1))
    (sent,) = smtp.inbox.to("factures@globex.fr")
    assert sent["Subject"] == "Mise en demeure de payer – Dupont Négoce"


def test_a_customer_without_email_gets_a_task(company, smtp):
    do_daily_run(company, TODAY)
    message = Message.objects.get(customer__code="INITECH")
    assert message.status == Message.Status.NO_ADDRESS
    assert Task.objects.filter(customer__code="INITECH", kind="no_address").count() == 1


def test_a_refused_address_is_marked_and_asks_for_a_new_one(company, smtp):
    smtp.inbox.refuse.add("compta@acme.fr")
    report = do_daily_run(company, TODAY).sending
    assert report.refused == 1 and report.sent == 1
    assert Message.objects.get(customer__code="ACME").status == Message.Status.REFUSED
    acme = CustomerProfile.objects.get(customer__code="ACME")
    assert acme.refused_email == "compta@acme.fr"
    assert Task.objects.filter(customer__code="ACME", kind="bad_address").count() == 1
    # the next step finds the address still refused: not tried, the same task stays
    do_daily_run(company, date(2026, 7, 10))
    assert Message.objects.get(
        customer__code="ACME", step_key="reminder_3", channel="email"
    ).status == (Message.Status.NO_ADDRESS)
    assert Task.objects.filter(customer__code="ACME", kind="bad_address").count() == 1
    assert len(smtp.inbox.to("compta@acme.fr")) == 0


def test_an_unreachable_server_is_tried_again_later_without_duplicates(company, smtp):
    smtp.stop()
    report = do_daily_run(company, TODAY).sending
    assert report.sent == 0 and report.retry == 1
    waiting = Message.objects.filter(status=Message.Status.RETRY)
    assert waiting.count() == 1 and waiting[0].next_attempt_at is not None
    assert Message.objects.filter(status=Message.Status.PENDING, channel="email").count() == 1
    smtp.start()
    do_daily_run(company, TODAY + timedelta(days=1))
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["ap@hooli.fr", "compta@acme.fr"]
    do_daily_run(company, TODAY + timedelta(days=2))
    assert len(smtp.inbox.messages) == 2


def test_a_busy_server_is_retried_then_given_up_with_a_task(company, smtp):
    smtp.inbox.busy = True
    for n in range(6):
        do_daily_run(company, TODAY + timedelta(days=n))
    failed = Message.objects.filter(status=Message.Status.FAILED)
    assert {m.customer.code for m in failed} == {"ACME", "HOOLI"}
    assert all(m.attempts == 5 for m in failed)
    assert Task.objects.filter(kind="send_failed").count() == 2
    assert smtp.inbox.messages == []


def test_a_sending_cut_off_is_never_sent_again(company, smtp, monkeypatch):
    do_daily_run(company, TODAY)
    # a run killed while handing a message to the server leaves it 'sending'
    Message.objects.filter(customer__code="ACME").update(status=Message.Status.SENDING)
    count = len(smtp.inbox.messages)
    do_daily_run(company, TODAY)
    assert len(smtp.inbox.messages) == count
    assert Message.objects.get(customer__code="ACME").status == Message.Status.UNCERTAIN
    assert Task.objects.filter(customer__code="ACME", kind="check_delivery").count() == 1


def test_disputed_and_promised_items_are_not_chased(company, smtp):
    do_add_dispute(company, "ACME", "A1", "price", today=TODAY)
    do_add_promise(company, "GLOBEX", "800.00", date(2026, 7, 10), today=TODAY, items=["G1"])
    done = do_daily_run(company, TODAY).dunning
    assert sorted(done.customers) == ["HOOLI", "INITECH"]
    assert smtp.inbox.to("compta@acme.fr") == []


def test_interest_and_indemnity_in_the_letter_across_a_half_year(tmp_path, smtp):
    """10,000.00 due 31 May 2025, formal notice on 15 July 2025 (+45 days): 30 days of June at
    3.15 + 10 = 13.15 % (the ECB rate in force on 1 January 2025), 15 days of July at
    2.15 + 10 = 12.15 % (in force on 1 July 2025): 10,000 × (30 × 13.15 % + 15 × 12.15 %) / 365
    = 158.0137 → 158.01; plus the 40.00 indemnity: 10,198.01 due."""
    company = do_init()
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms,email\nACME,Acme,,FR,PME,NET30,a@acme.fr\n"
    )
    do_import_customers(company, tmp_path / "c.csv")
    Customer.objects.filter(code="ACME").update(address="1 rue Haute\n13001 Marseille")
    (tmp_path / "i.csv").write_text(HEADER + "ACME,F1,2025-05-01,2025-05-31,10000.00,EUR,,,no\n")
    do_import_invoices(company, tmp_path / "i.csv")
    days = [date(2025, 5, 26) + timedelta(days=n) for n in range(51)]  # to 15 July
    for day in days:
        do_daily_run(company, day)
    steps = [m["Subject"].split(" – ")[0] for m in smtp.inbox.messages]
    assert steps == [
        "Échéance prochaine de vos factures",
        "Rappel : facture échue",
        "Deuxième relance : factures impayées",
        "Dernière relance avant mise en demeure",
    ]
    letter = Message.objects.get(channel="letter")
    assert letter.day == date(2025, 7, 15)
    assert (letter.interest, letter.indemnity) == (158_01, 40_00)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(letter.pdf)).pages)
    flat = text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Pénalités de retard au 15 juillet 2025" in flat and "158,01 €" in flat
    assert "Total : 10 198,01 €" in flat
    assert StepSent.objects.filter(step_key="formal_notice").count() == 1


def test_the_days_letters_are_bound_into_one_pdf(company, smtp):
    Customer.objects.filter(code="ACME").update(address="5 place Bellecour\n69002 Lyon")
    Customer.objects.filter(code__in=["ACME", "GLOBEX"]).update(email="")

    do_daily_run(company, date(2026, 7, 26))  # Acme 46 days late, Globex 72: escalated
    assert day_letters(company, date(2026, 7, 26)) is None  # awaiting approval
    Message.objects.filter(channel="letter").update(status=Message.Status.SENT)
    pdf = pypdf.PdfReader(io.BytesIO(day_letters(company, date(2026, 7, 26)) or b""))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "5 place Bellecour" in text


def test_an_sms_step_goes_through_the_provider_interface(company, smtp, caplog):

    Step.objects.filter(strategy__company=company, key="reminder_2").update(channel="email+sms")
    Customer.objects.filter(code="ACME").update(phone="06 12 34 56 78")
    with caplog.at_level("INFO", logger="creditpilot.collections.sending"):
        do_daily_run(company, TODAY)
    sms = Message.objects.get(customer__code="ACME", channel="sms")
    assert sms.status == Message.Status.SENT and sms.message_id.startswith("log-")
    assert "Dupont Négoce : 600,00\u00a0€ restent dus sur vos factures A1" in sms.body
    assert "SMS to 06 12 34 56 78" in caplog.text


def test_every_reminder_carries_the_customers_portal_link(company, smtp):
    do_daily_run(company, TODAY)
    (acme,) = smtp.inbox.to("compta@acme.fr")
    text = acme.get_body(("plain",)).get_content()
    found = re.search(r"http://localhost:8000/portal/([A-Za-z0-9_.-]+)/", text)
    assert found, text
    assert "Votre espace personnel, sans compte à créer" in text
    link = find_link(found[1], timezone.now())
    assert link is not None and link.customer.code == "ACME"
    # the letter of the formal notice prints the link of its customer too
    letter = Message.objects.get(customer__code="GLOBEX", channel="letter")
    pages = pypdf.PdfReader(io.BytesIO(bytes(letter.pdf))).pages
    printed = "".join(p.extract_text() for p in pages).replace("\n", "")
    globex = find_link(re.search(r"/portal/([A-Za-z0-9_.-]+)/", printed)[1], timezone.now())
    assert globex is not None and globex.customer.code == "GLOBEX"
    # a company's own wording written before the portal keeps working, without the link
    do_save_template(
        company, "reminder_3", "fr", False, "Relance 3", "Payez {{ total }}.", Actor("alice")
    )
    do_daily_run(company, TODAY + timedelta(days=14))
    (third,) = [m for m in smtp.inbox.to("compta@acme.fr") if m["Subject"] == "Relance 3"]
    assert third.get_body(("plain",)).get_content().strip() == "Payez 600,00\u00a0€."
    # each later reminder with the default wording carries the same live link
    hooli = [m.body for m in Message.objects.filter(customer__code="HOOLI", channel="email")]
    assert len(hooli) == 2
    links = {re.search(r"/portal/([A-Za-z0-9_.-]+)/", body)[1] for body in hooli}
    assert len(links) == 1 and find_link(links.pop(), timezone.now()).customer.code == "HOOLI"
