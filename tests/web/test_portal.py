"""The customer portal in the browser's shoes (Django's test client): the customer's page in
French, its three forms, the collector's side, and every way a link may fail to open."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pypdf
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.collections.models import Dispute, DisputeFile, PortalLink, Promise, Task
from creditpilot.collections.portal import (
    PORTAL_USER,
    do_issue_link,
    do_revoke_links,
    token_of,
)
from creditpilot.customers.models import Customer
from tests.web.test_security import all_routes

pytestmark = [pytest.mark.store]

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
NOT_FOUND_TEXT = "Ce lien n’ouvre aucune page"


@pytest.fixture
def clock():
    with time_machine.travel("2026-06-30 10:00 +0200", tick=False) as traveller:
        yield traveller


def link_of(company, code="ACME"):
    customer = Customer.objects.get(company=company, code=code)
    return do_issue_link(company, customer, timezone.now(), Actor("alice"))


def url(link, rest=""):
    return f"/portal/{token_of(link)}/{rest}"


def test_the_customer_sees_their_statement_in_french_without_signing_in(world, clock):
    link = link_of(world.a)
    page = Client().get(url(link))
    assert page.status_code == 200
    body = page.content.decode()
    assert page["Content-Language"] == "fr" and '<html lang="fr">' in body
    assert "Votre compte chez Acme Holding" in body
    # ACME owes FA002 (600.00, due 5 July) and FA009 (100.00, overdue): 700.00 in all
    assert "FA002" in body and "FA009" in body and "FA008" not in body  # FA008: after today
    assert re.search(r'id="total-due">700,00\s€<', body)
    assert "Total dû" in body and "Télécharger le relevé (PDF)" in body
    # nothing of the app: no navigation, no link to another page, no other customer
    assert "/c/" not in body and "GLOBEX" not in body and "Globex" not in body
    assert "Tableau de bord" not in body and "Déconnexion" not in body
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "same-origin"


def test_an_english_customer_reads_english(world, clock):
    Customer.objects.filter(company=world.a, code="ACME").update(language="en")
    body = Client().get(url(link_of(world.a))).content.decode()
    assert "Your account with Acme Holding" in body and "€700.00" in body


def test_the_statement_downloads_as_a_pdf_with_the_amounts(world, clock):
    response = Client().get(url(link_of(world.a), "statement.pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "FA002" in text and "FA009" in text and "700,00" in text


def test_a_promise_lands_on_the_worklist_and_the_timeline(world, clock):
    link = link_of(world.a)
    client = Client(enforce_csrf_checks=True)
    page = client.get(url(link))
    token = page.context["csrf_token"]
    form = {
        "csrfmiddlewaretoken": str(token),
        "promised_date": "2026-07-15",
        "amount": "600,00",
        "items": ["FA002"],
        "note": "Virement le 15",
    }
    assert (
        client.post(url(link, "promise/"), {**form, "csrfmiddlewaretoken": ""}).status_code == 403
    )
    assert not Promise.objects.exists()
    done = client.post(url(link, "promise/"), form, follow=True)
    assert "votre promesse de paiement est enregistrée" in done.content.decode()
    assert (
        "Vos promesses de paiement : 600,00\u00a0€ d’ici le 15 juil. 2026" in done.content.decode()
    )
    promise = Promise.objects.get()
    assert (promise.amount, str(promise.promised_date), promise.created_by) == (
        600_00,
        "2026-07-15",
        PORTAL_USER,
    )
    task = Task.objects.get(kind="portal_promise")
    alice = Client()
    alice.force_login(task.company.memberships.get(user__username="alice").user)
    worklist = alice.get(f"/c/{world.a.code}/worklist/?as_of=2026-06-30").content.decode()
    assert "Promesse faite par le portail" in worklist
    assert "Le client promet 600,00\u00a0€ d’ici le 15/07/2026." in worklist
    customer_page = alice.get(f"/c/{world.a.code}/customers/ACME/?as_of=2026-06-30")
    text = customer_page.content.decode()
    assert "le client (par le portail)" in text and "portal:customer" not in text
    assert AuditEvent.objects.get(action="promise_added").username == PORTAL_USER
    audit = alice.get(f"/c/{world.a.code}/audit/").content.decode()
    assert "Le client (par le portail) a enregistré une promesse de paiement" in audit
    assert "portal:customer" not in audit


@pytest.mark.parametrize(
    ("day", "amount", "items", "field", "reason"),
    [
        ("2026-06-29", "100", "FA009", "promised_date", "Choisissez aujourd’hui ou une date"),
        ("2026-09-29", "100", "FA009", "promised_date", "dans les 90 prochains jours"),
        ("", "100", "FA009", "promised_date", "Indiquez une date."),
        ("2026-07-10", "100,01", "FA009", "amount", "C’est plus que ce que vous devez."),
        ("2026-07-10", "douze", "FA009", "amount", "Indiquez un montant positif"),
        ("2026-07-10", "100", "FA404", "items", "ne fait pas partie de vos factures à régler"),
    ],
)
def test_a_refused_promise_says_why_beside_the_field(
    world, clock, day, amount, items, field, reason
):
    link = link_of(world.a)
    response = Client().post(
        url(link, "promise/"), {"promised_date": day, "amount": amount, "items": [items]}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count('class="errorlist"') == 1 and "dict_items" not in body
    if items == "FA009":
        assert 'value="FA009" checked' in body  # the ticked invoice stays ticked
    found = re.search(rf'data-field="{field}">([^<]*)<', body)
    assert found and reason in found[1], body[-3000:]
    assert f'value="{amount}"' in body  # the customer's input is kept
    assert not Promise.objects.exists() and not Task.objects.exists()


def test_a_dispute_with_a_file_reaches_the_collector_who_downloads_it(world, clock):
    link = link_of(world.a)
    upload = SimpleUploadedFile("bon livraison.pdf", PDF, content_type="application/pdf")
    form = {"item": "FA009", "reason": "delivery", "text": "Jamais reçu", "file": upload}
    done = Client().post(url(link, "dispute/"), form, follow=True)
    assert "votre contestation est enregistrée" in done.content.decode()
    dispute = Dispute.objects.get()
    assert (dispute.item.number, dispute.reason, dispute.note) == (
        "FA009",
        "delivery",
        "Jamais reçu",
    )
    # the invoice is marked disputed, and no longer offered to dispute again
    page = done.content.decode()
    assert 'FA009 <span class="badge">contestée</span>' in page
    assert '<option value="FA009"' not in page and '<option value="FA002"' in page
    alice = Client()
    alice.force_login(world.a.memberships.get(user__username="alice").user)
    worklist = alice.get(f"/c/{world.a.code}/worklist/?as_of=2026-06-30").content.decode()
    assert "Le client conteste FA009 (livraison)." in worklist
    download = alice.get(f"/c/{world.a.code}/disputes/{dispute.pk}/file/")
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Disposition"] == 'attachment; filename="bon_livraison.pdf"'
    assert "bon_livraison.pdf" in alice.get(f"/c/{world.a.code}/customers/ACME/").content.decode()
    disputes = alice.get(f"/c/{world.a.code}/disputes/").content.decode()
    assert f"/c/{world.a.code}/disputes/{dispute.pk}/file/" in disputes
    # another company's user, and the customer's own link, do not reach the file
    bob = Client()
    bob.force_login(world.b.memberships.get(user__username="bob").user)
    assert bob.get(f"/c/{world.a.code}/disputes/{dispute.pk}/file/").status_code == 404
    assert Client().get(f"/c/{world.a.code}/disputes/{dispute.pk}/file/").status_code == 302


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("facture.pdf", b"<html><script>alert(1)</script>", "Envoyez un fichier PDF, PNG ou JPEG."),
        ("script.html", PDF, "Envoyez un fichier PDF, PNG ou JPEG."),
        ("gros.pdf", PDF + b"0" * (5 * 1024 * 1024), "Le fichier dépasse 5 Mo."),
    ],
)
def test_a_dispute_file_that_is_not_a_small_pdf_or_image_is_refused(
    world, clock, name, content, reason
):
    link = link_of(world.a)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = Client().post(
        url(link, "dispute/"), {"item": "FA009", "reason": "price", "text": "x", "file": upload}
    )
    assert response.status_code == 400
    assert re.search(r'data-field="file">([^<]*)<', response.content.decode())[1] == reason
    assert not Dispute.objects.exists() and not DisputeFile.objects.exists()


def test_a_payment_plan_request_is_a_request_on_the_worklist(world, clock):
    link = link_of(world.a)
    done = Client().post(
        url(link, "plan/"), {"instalments": "3", "message": "Trois mois"}, follow=True
    )
    assert "votre demande d’échéancier est enregistrée" in done.content.decode()
    task = Task.objects.get(kind="plan_request")
    assert (task.amount, task.detail, task.note) == (700_00, {"instalments": 3}, "Trois mois")
    assert "Vous avez demandé un échéancier" in Client().get(url(link)).content.decode()
    again = Client().post(url(link, "plan/"), {"instalments": "3", "message": ""})
    assert again.status_code == 400 and "déjà demandé un échéancier" in again.content.decode()
    alice = Client()
    alice.force_login(world.a.memberships.get(user__username="alice").user)
    worklist = alice.get(f"/c/{world.a.code}/worklist/?as_of=2026-06-30").content.decode()
    assert "Le client demande à régler 700,00\u00a0€ en 3 échéances." in worklist


# --- what a link may not do ------------------------------------------------------------------


def assert_nothing_shown(response) -> None:
    """The plain 404: no company, no customer, no figure."""
    assert response.status_code == 404
    body = response.content.decode()
    assert NOT_FOUND_TEXT in body
    for secret in ("Acme", "ACME", "Beta", "FA00", "€", "/c/"):
        assert secret not in body, secret


def portal_paths(token: str) -> list[tuple[str, str]]:
    return [
        ("get", f"/portal/{token}/"),
        ("get", f"/portal/{token}/statement.pdf"),
        ("post", f"/portal/{token}/promise/"),
        ("post", f"/portal/{token}/dispute/"),
        ("post", f"/portal/{token}/plan/"),
    ]


def test_a_changed_forged_expired_or_revoked_link_gives_the_same_plain_404(world, clock):
    link = link_of(world.a)
    token = token_of(link)
    changed = [token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :] for i in (0, 20, -1)]
    client = Client(enforce_csrf_checks=True)  # a forged link gets the 404, not a CSRF refusal
    for bad in [*changed, "x", link.nonce, token + "A"]:
        for method, path in portal_paths(bad):
            assert_nothing_shown(getattr(client, method)(path, {"amount": "1", "instalments": "3"}))
    # expired
    PortalLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for method, path in portal_paths(token):
        assert_nothing_shown(getattr(client, method)(path, {"amount": "1"}))
    # revoked
    live = link_of(world.a)
    assert Client().get(url(live)).status_code == 200
    do_revoke_links(world.a, live.customer, timezone.now(), Actor("alice"))
    for method, path in portal_paths(token_of(live)):
        assert_nothing_shown(getattr(client, method)(path, {"amount": "1"}))
    assert not Promise.objects.exists() and not Task.objects.exists()


def test_a_link_shows_its_own_customer_and_company_only(world, clock):
    """Company B has a customer with the same code: its link shows B's figures, never A's."""
    Customer.objects.filter(company=world.b, code="ACME").update(name="Acme chez Beta")
    theirs = Client().get(url(link_of(world.b))).content.decode()
    assert "Acme chez Beta" in theirs and "Beta Industries" in theirs
    assert "Acme Holding" not in theirs
    globex = Client().get(url(link_of(world.a, "GLOBEX"))).content.decode()
    assert "GLOBEX" in globex and "FA002" not in globex and "ACME" not in globex
    # a form of ACME's page posted with GLOBEX's link acts on GLOBEX's items only
    response = Client().post(
        url(link_of(world.a, "GLOBEX"), "dispute/"),
        {"item": "FA002", "reason": "price", "text": "x"},
    )
    assert response.status_code == 400 and not Dispute.objects.exists()


def test_the_portal_reaches_nothing_else_of_the_app(world, clock):
    client = Client()
    assert client.get(url(link_of(world.a))).status_code == 200
    for path in (
        f"/c/{world.a.code}/",
        f"/c/{world.a.code}/customers/",
        f"/c/{world.a.code}/customers/ACME/",
        f"/c/{world.a.code}/customers/ACME/statement.pdf",
        f"/c/{world.a.code}/worklist/",
        "/portfolio/",
    ):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path
    assert client.get("/api/v1/companies").status_code == 401
    # the portal's routes are the five above, every one taking the token
    routes = [r for r in all_routes() if r.startswith("portal/")]
    assert len(routes) == 5 and all(r.startswith("portal/<str:token>/") for r in routes)


def test_the_collector_issues_and_revokes_the_link_from_the_customer_page(world, clock):
    alice = Client()
    alice.force_login(world.a.memberships.get(user__username="alice").user)
    page = f"/c/{world.a.code}/customers/ACME/"
    assert "Pas de lien actif" in alice.get(page).content.decode()
    alice.post(f"/c/{world.a.code}/customers/ACME/portal/", {"what": "issue"})
    link = PortalLink.objects.get()
    text = alice.get(page).content.decode()
    assert f"http://localhost:8000/portal/{token_of(link)}/" in text
    assert Client().get(url(link)).status_code == 200
    alice.post(f"/c/{world.a.code}/customers/ACME/portal/", {"what": "revoke"})
    assert Client().get(url(link)).status_code == 404
    revoked = AuditEvent.objects.get(action="portal_link_revoked")
    assert (revoked.username, revoked.object_ref) == ("alice", "ACME")
    # an auditor sees the page but may neither issue nor revoke
    audrey = Client()
    audrey.force_login(world.a.memberships.get(user__username="audrey").user)
    assert (
        audrey.post(f"/c/{world.a.code}/customers/ACME/portal/", {"what": "issue"}).status_code
        == 403
    )


def test_the_company_sets_how_long_its_links_last(world, clock):
    adam = Client()
    adam.force_login(world.a.memberships.get(user__username="adam").user)
    settings_url = f"/c/{world.a.code}/settings/portal/"
    assert (
        'name="portal_link_days" id="portal-days" value="60"'
        in adam.get(f"/c/{world.a.code}/settings/").content.decode()
    )
    adam.post(settings_url, {"portal_link_days": "30"})
    assert link_of(world.a).expires_at == timezone.now() + timedelta(days=30)
    event = AuditEvent.objects.get(action="portal_settings_changed")
    assert (event.before, event.after) == ({"portal_link_days": 60}, {"portal_link_days": 30})
    for wrong in ("0", "366", "soixante", ""):
        refused = adam.post(settings_url, {"portal_link_days": wrong}, follow=True)
        assert "Un lien du portail dure de 1 à 365 jours." in refused.content.decode()
    assert AuditEvent.objects.filter(action="portal_settings_changed").count() == 1
    audrey = Client()
    audrey.force_login(world.a.memberships.get(user__username="audrey").user)
    assert audrey.post(settings_url, {"portal_link_days": "5"}).status_code == 403


def test_a_body_far_over_the_portals_limit_is_refused_before_it_is_read(world, clock):
    link = link_of(world.a)
    upload = SimpleUploadedFile("huge.pdf", PDF + b"0" * (7 * 1024 * 1024))
    response = Client().post(
        url(link, "dispute/"), {"item": "FA009", "reason": "price", "text": "x", "file": upload}
    )
    assert response.status_code == 413
    assert response.content.decode() == "Le fichier dépasse 5 Mo."
    assert not Dispute.objects.exists()
