"""What a French credit manager reads: units, the CEI's month, the as-of date, sorts both ways,
searches without accents, limits and their use, unapplied cash, words instead of codes, the
audit log as sentences, French error pages and CSV for a French Excel. The hand ledger of
``tests/fecbuilder.py``, figures to the cent."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from creditpilot.audit.models import AuditEvent
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import ImportJob
from creditpilot.reports.positions import sync_customer
from tests.web.test_pages import AS_OF, english

pytestmark = [pytest.mark.store]
NBSP, NNBSP = "\xa0", "\u202f"


def codes_listed(page) -> list[str]:
    return [p.code for p in page.context["page"]]


def main_of(page) -> str:
    """The page's own content (without the frame), entities decoded."""
    body = page.content.decode()
    return html.unescape(body[body.index("<main>") : body.index("</main>")])


def test_kpi_tiles_give_days_a_unit_and_the_cei_of_the_last_full_month(world):
    client = world.client("alice")
    body = main_of(client.get(f"/c/{world.a.code}/{AS_OF}"))
    assert f'id="kpi-dso">60,6{NBSP}jours<' in body
    assert f'id="kpi-best-dso">48,8{NBSP}jours<' in body
    assert f'id="kpi-add">11,8{NBSP}jours<' in body
    # June is complete on June 30th: its CEI, labelled, in percent
    assert "CEI juin 2026" in body and f'id="kpi-cei">61,8{NBSP}%<' in body
    # three days into July, the tile still shows June (not July's first days)
    july = main_of(client.get(f"/c/{world.a.code}/?as_of=2026-07-03"))
    assert "CEI juin 2026" in july and f'id="kpi-cei">61,8{NBSP}%<' in july
    # a date picker for the as-of date, set to the page's date
    assert 'type="date" id="as-of" name="as_of" value="2026-06-30"' in body


def test_kpi_tiles_in_english_say_days(world):
    body = main_of(english(world.client("alice")).get(f"/c/{world.a.code}/{AS_OF}"))
    assert f'id="kpi-dso">60.6{NBSP}days<' in body and "CEI June 2026" in body
    assert 'id="kpi-cei">61.8%<' in body


def test_the_customers_list_sorts_both_ways_and_shows_the_active_sort(world):
    client = world.client("alice")
    url = f"/c/{world.a.code}/customers/{AS_OF}"
    down = client.get(url + "&sort=-total")
    assert codes_listed(down) == ["INITECH", "GLOBEX", "ACME", "UMBRELLA"]
    header = re.search(
        r'<th class="num sorted" aria-sort="descending">.*?</th>', down.content.decode()
    )
    assert header and "Solde" in header[0] and "▼" in header[0] and "sort=total" in header[0]
    up = client.get(url + "&sort=total")
    assert codes_listed(up) == ["UMBRELLA", "ACME", "GLOBEX", "INITECH"]
    header = re.search(
        r'<th class="num sorted" aria-sort="ascending">.*?</th>', up.content.decode()
    )
    assert header and "▲" in header[0] and "sort=-total" in header[0]
    by_name = client.get(url + "&sort=-name")
    assert codes_listed(by_name) == ["UMBRELLA", "INITECH", "GLOBEX", "ACME"]


def test_search_ignores_accents_and_case(world):
    Customer.objects.filter(company=world.a, code="UMBRELLA").update(name="Guérin SA")
    Customer.objects.filter(company=world.a, code="INITECH").update(name="Müller GmbH")
    client = world.client("alice")
    url = f"/c/{world.a.code}/customers/{AS_OF}&q="
    assert codes_listed(client.get(url + "guerin")) == ["UMBRELLA"]
    assert codes_listed(client.get(url + "GUÉRIN")) == ["UMBRELLA"]
    assert codes_listed(client.get(url + "muller")) == ["INITECH"]
    assert codes_listed(client.get(url + "Müll")) == ["INITECH"]
    assert codes_listed(client.get(url + "glob")) == ["GLOBEX"]
    # a name changed after the positions were computed is found under its new name
    acme = Customer.objects.get(company=world.a, code="ACME")
    acme.name = "Société Générale d'Écrous"
    acme.save()
    sync_customer(acme)
    assert codes_listed(client.get(url + "societe generale d'ecrous")) == ["ACME"]
    assert codes_listed(client.get(url + "acme sarl")) == []


def test_the_customers_list_shows_limits_their_use_and_who_is_over(world):
    Customer.objects.filter(company=world.a, code="ACME").update(credit_limit=50000)
    client = world.client("alice")
    url = f"/c/{world.a.code}/customers/{AS_OF}"
    page = client.get(url + "&sort=-usage")
    body = page.content.decode()
    assert codes_listed(page)[0] == "ACME"
    row = re.search(r'<tr class="over-limit">.*?</tr>', body, re.S)
    assert row and "ACME" in row[0] and "500,00" in row[0]
    assert f"140,0{NBSP}%" in row[0] and "dépassement" in row[0]
    # a limit set in the app shows at once, with its use
    response = client.post(
        f"/c/{world.a.code}/customers/GLOBEX/edit/", {"credit_limit": "10 000", "sales_rep": "Olga"}
    )
    assert response.status_code == 302
    page = client.get(url + "&sort=-usage")
    assert codes_listed(page)[:2] == ["ACME", "GLOBEX"]
    assert f"32,0{NBSP}%" in page.content.decode()
    assert codes_listed(client.get(url + "&limit=over")) == ["ACME"]
    assert codes_listed(client.get(url + "&limit=none")) == ["INITECH", "UMBRELLA"]


def test_unapplied_cash_is_listed_and_reached_from_the_dashboard(world):
    client = world.client("alice")
    dashboard = main_of(client.get(f"/c/{world.a.code}/{AS_OF}"))
    assert f'id="kpi-unapplied">400,00{NBSP}€<' in dashboard
    link = re.search(r'id="unapplied-link" href="([^"]+)"', dashboard)
    assert link
    page = client.get(link[1].replace("&amp;", "&"))
    assert codes_listed(page) == ["UMBRELLA"]
    assert "-400,00" in main_of(page) and "Encaissements non affectés" in main_of(page)


def test_the_customer_page_says_kinds_and_terms_in_french(world):
    client = world.client("alice")
    client.post(
        f"/c/{world.a.code}/customers/ACME/edit/", {"payment_terms": "EOM45", "sales_rep": "Sam"}
    )
    body = main_of(client.get(f"/c/{world.a.code}/customers/ACME/{AS_OF}"))
    assert 'id="customer-terms">45 jours fin de mois' in body
    assert "<td>facture</td>" in body and "invoice" not in body and "EOM45" not in body
    # the form shows the terms in words too (the same words are read back)
    assert 'name="payment_terms" value="45 jours fin de mois"' in body
    globex = main_of(client.get(f"/c/{world.a.code}/customers/GLOBEX/{AS_OF}"))
    assert '30 jours net <span class="muted">(par défaut de la société)' in globex
    umbrella = main_of(client.get(f"/c/{world.a.code}/customers/UMBRELLA/{AS_OF}"))
    assert "<td>règlement</td>" in umbrella and "<td>payment</td>" not in umbrella


def test_the_audit_log_reads_as_sentences(world):
    client = world.client("alice")
    acme = f"/c/{world.a.code}/customers/ACME/edit/"
    client.post(acme, {"payment_terms": "NET30", "sales_rep": "Sam"})
    client.post(
        acme, {"payment_terms": "EOM45", "credit_limit": "12 345 678,90", "sales_rep": "Sam"}
    )
    client.post(
        f"/c/{world.a.code}/customers/GLOBEX/edit/",
        {"payment_terms": "EOM45", "sales_rep": "Olga"},
    )
    body = main_of(world.client("audrey").get(f"/c/{world.a.code}/audit/"))
    assert (
        "alice a modifié la fiche de Acme SARL (ACME) : Conditions de paiement : "
        "30 jours net → 45 jours fin de mois ; Limite de crédit : — → "
        f"12{NNBSP}345{NNBSP}678,90{NBSP}€"
    ) in body
    assert (
        "alice a changé les conditions de paiement de Acme SARL (ACME) : "
        "les conditions de la société → 30 jours net"
    ) in body.replace("<td>", "\n")
    assert "alice a changé les conditions de paiement de Globex SAS (GLOBEX)" in body
    assert (
        "La ligne de commande a donné à alice l'accès à la société (Rôle : Credit manager)" in body
    )
    sentences = re.findall(r"<td>([^<]*)</td>", body)
    assert sentences and not any("{" in s or "customer_changed" in s for s in sentences)
    assert "payment_terms" not in body and "credit_limit" not in body


def test_imports_say_kinds_statuses_and_sources_in_french(world):
    ImportJob.objects.create(
        company=world.a,
        kind="customers",
        file_name="clients.csv",
        stored_path="/nowhere",
        created_by="alice",
        status="refused",
        message="missing column 'code'",
    )
    body = main_of(world.client("alice").get(f"/c/{world.a.code}/imports/"))
    assert "liste de clients" in body and "refusé" in body
    assert "ligne de commande" in body  # the hand ledger came from the command line
    assert "lignes lues : 43 ; lignes de comptes clients : 16" in body
    text = re.sub(r"<[^>]+>", "|", body)
    for code in ("|refused|", "|customers|", "|cli|", "lines read"):
        assert code not in text


def test_error_pages_are_in_french(world):
    client = world.client("alice")
    missing = client.get("/c/no-such-company/")
    assert missing.status_code == 404 and "Page introuvable" in missing.content.decode()
    refused = world.client("sam").get(f"/c/{world.a.code}/audit/")
    assert refused.status_code == 403 and "Accès refusé" in refused.content.decode()
    assert "Forbidden" not in refused.content.decode()
    assert "Not Found" not in missing.content.decode()


def test_csv_export_opens_in_a_french_excel(world):
    client = world.client("alice")
    response = client.get(f"/c/{world.a.code}/customers/{AS_OF}&sort=-total&export=csv")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:9] == [
        "Code",
        "Nom",
        "SIREN",
        "Segment",
        "Commercial",
        "Cotation",
        "Conditions de paiement",
        "Limite de crédit",
        "Solde",
    ]
    globex = next(r for r in rows if r[0] == "GLOBEX")
    assert globex[8] == "3200,00" and globex[13] == "2400,00"
    umbrella = next(r for r in rows if r[0] == "UMBRELLA")
    assert umbrella[14] == "-400,00"
    english_csv = english(world.client("alice")).get(
        f"/c/{world.a.code}/customers/{AS_OF}&export=csv"
    )
    assert not english_csv.content.startswith(b"\xef\xbb\xbf")
    assert english_csv.content.decode().splitlines()[0].startswith("code,name,siren")


def test_no_raw_code_nor_english_on_the_french_pages(world):
    client = world.client("alice")
    AuditEvent.objects.create(company=world.a, username="alice", action="sign_in")
    pages = [
        f"/c/{world.a.code}/{AS_OF}",
        f"/c/{world.a.code}/customers/{AS_OF}",
        f"/c/{world.a.code}/customers/GLOBEX/{AS_OF}",
        f"/c/{world.a.code}/imports/",
        f"/c/{world.a.code}/audit/",
    ]
    for url in pages:
        body = main_of(client.get(url))
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", body, flags=re.S))
        for word in (
            "invoice",
            "payment",
            "credit_note",
            "refused",
            "done",
            "NET30",
            "EOM",
            "sign_in",
            "Receivables",
            "days",
        ):
            assert not re.search(rf"\b{word}\b", text), f"{word!r} on {url}"


def test_an_import_that_failed_says_so_in_french_without_the_exception(world):
    job = ImportJob.objects.create(
        company=world.a,
        kind="fec",
        file_name="FEC2026.txt",
        stored_path="/nowhere",
        created_by="alice",
        status="failed",
        message="internal error: ValueError",
    )
    body = main_of(world.client("alice").get(f"/c/{world.a.code}/imports/{job.pk}/"))
    assert "L'import s'est arrêté sur une erreur interne" in body and "échoué" in body
    assert "ValueError" not in body and "internal error" not in body


def test_audit_sentences_show_dates_and_lists_as_people_read_them(world):
    from creditpilot.audit.services import Actor, record

    events = (
        ("promise_added", "alice", "customer", "ACME",
         {"amount": "1200.00", "date": "2026-03-15", "items": ["FA002", "FA003"]}),
        ("dunning_run", "run", "company", world.a.code, {"day": "2026-03-02"}),
        ("portal_link_issued", "run", "customer", "ACME", {"until": "2026-05-01"}),
        ("import", "alice", "import", "7",
         {"file": "FEC.txt", "kind": "fec", "status": "done", "counts": {"lines": 20258}}),
    )  # fmt: skip
    for action, username, kind, ref, after in events:
        record(
            action,
            company_id=world.a.pk,
            actor=Actor(username=username),
            object_type=kind,
            object_ref=ref,
            after=after,
        )
    body = main_of(world.client("audrey").get(f"/c/{world.a.code}/audit/"))
    text = html.unescape(re.sub(r"<[^>]+>", "|", body))
    assert "15 mars 2026" in text and "FA002, FA003" in text
    assert "Le traitement quotidien a fait les relances du 2 mars 2026" in text
    assert "2026-03-15" not in text and "['FA002'" not in text and "2026-03-02" not in text
    assert "|run|" not in text  # the author column says who in words too
    assert re.search(r"lien vers le portail pour [^|]*ACME\), valable jusqu’au 1 mai 2026", text), (
        text
    )
    assert "lignes lues 20\u202f258" in text or "lignes lues 20\xa0258" in text, text
