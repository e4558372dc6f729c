"""The pages, with the hand-made ledger of tests/store/test_hand_ledger.py (figures to the cent)."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from creditpilot.accounts.models import Profile
from creditpilot.audit.models import AuditEvent
from creditpilot.customers.models import Customer, Note
from creditpilot.receivables.models import Document, ImportJob
from creditpilot.reports.models import PositionSnapshot
from tests.fecbuilder import Fec
from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.store]
AS_OF = "?as_of=2026-06-30"


def english(client: Client) -> Client:
    client.post("/language/", {"language": "en", "next": "/"})
    return client


def test_sign_in_page_then_the_dashboard_of_the_only_company(world):
    client = english(Client())
    assert client.get("/").status_code == 302
    page = client.get("/login/")
    assert page.status_code == 200 and b'name="password"' in page.content
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").url == f"/c/{world.a.code}/"


def test_dashboard_shows_the_aged_balance_and_kpis_to_the_cent(world):
    page = english(world.client("alice")).get(f"/c/{world.a.code}/{AS_OF}")
    assert page.status_code == 200
    body = page.content.decode()
    ctx = page.context
    assert ctx["totals"]["total"] == 835000
    assert ctx["totals"]["not_due"] == 520000 and ctx["totals"]["overdue"] == 355000
    assert ctx["totals"]["overdue_ratio"] == "0.4057"
    assert ctx["kpis"]["dso"] == "60.6" and ctx["kpis"]["best_possible_dso"] == "48.8"
    assert "€8,350.00" in body and "40.6%" in body
    assert [p.code for p in ctx["top"]] == ["INITECH", "GLOBEX", "ACME"]
    assert (
        len(ctx["chart"]["trend_dates"]) == 13 and ctx["chart"]["trend_dates"][-1] == "2026-06-30"
    )
    assert ctx["chart"]["trend_dso"][-1] == 60.6
    assert 'id="chart-data"' in body and "/static/web/vendor/echarts.min.js" in body


def test_the_dashboard_is_cached_and_follows_a_new_import(world, tmp_path):
    client = world.client("alice")
    client.get(f"/c/{world.a.code}/{AS_OF}")
    assert PositionSnapshot.objects.filter(company=world.a, as_of="2026-06-30").count() == 1
    fec = Fec()
    fec.invoice("20260629", "ACME", "FA100", "1200")  # a day without other entries
    from creditpilot.receivables.services import do_import_fec

    do_import_fec(world.a, fec.write(tmp_path / "june-extra.txt"))
    page = client.get(f"/c/{world.a.code}/{AS_OF}")
    assert page.context["totals"]["total"] == 835000 + 120000


def test_dashboard_in_french_formats_amounts_the_french_way(world):
    page = world.client("alice").get(f"/c/{world.a.code}/{AS_OF}")
    body = page.content.decode()
    assert 'lang="fr"' in body
    assert "8\u202f350,00\xa0€" in body
    assert "Tableau de bord" in body


def test_biggest_increases_of_overdue_compare_with_30_days_before(world):
    page = world.client("alice").get(f"/c/{world.a.code}/{AS_OF}")
    increases = {p.code: p.overdue_change for p in page.context["increases"]}
    # at 05-31 INITECH's FA010 (due 05-31) was not yet overdue; at 06-30 it is 250.00 overdue
    assert increases["INITECH"] == 25000


def test_a_sales_user_sees_only_their_customers_and_no_company_kpis(world):
    page = world.client("sam").get(f"/c/{world.a.code}/{AS_OF}")
    assert page.context["kpis"] is None
    assert page.context["totals"]["total"] == 70000  # ACME: 600 not due + 100 in 61-90
    assert [p.code for p in page.context["top"]] == ["ACME"]


def test_the_consultant_has_a_portfolio_of_companies_side_by_side(world):
    client = world.client("carol")
    assert client.get("/").url == "/portfolio/"
    page = client.get(f"/portfolio/{AS_OF}")
    rows = page.context["rows"]
    assert [r["company"].code for r in rows] == ["acme-holding", "beta-industries"]
    assert all(r["totals"]["total"] == 835000 and r["kpis"]["dso"] == "60.6" for r in rows)
    # switching company is one click: a link to the other company's dashboard
    dashboard = client.get(f"/c/{world.a.code}/").content.decode()
    assert f'href="/c/{world.b.code}/"' in dashboard


def test_customers_list_searches_filters_sorts_and_pages(world):
    client = world.client("alice")
    url = f"/c/{world.a.code}/customers/{AS_OF}"
    codes = lambda r: [p.code for p in r.context["page"]]  # noqa: E731
    assert codes(client.get(url)) == ["ACME", "GLOBEX", "INITECH", "UMBRELLA"]
    assert codes(client.get(url + "&sort=-total")) == ["INITECH", "GLOBEX", "ACME", "UMBRELLA"]
    assert codes(client.get(url + "&q=glob")) == ["GLOBEX"]
    assert codes(client.get(url + "&bucket=over_90")) == ["GLOBEX"]
    # overdue: GLOBEX 800 + 2400, INITECH 250, ACME 100
    assert codes(client.get(url + "&bucket=overdue&sort=-overdue")) == ["GLOBEX", "INITECH", "ACME"]
    assert codes(client.get(url + "&rep=Olga")) == ["GLOBEX"]
    from creditpilot.receivables.customers import do_update_customer

    initech = Customer.objects.get(company=world.a, code="INITECH")
    do_update_customer(world.a, initech, {"segment": "PME", "rating": "B"}, actor=None)
    assert codes(client.get(url + "&segment=PME")) == ["INITECH"]
    assert codes(client.get(url + "&rating=B")) == ["INITECH"]
    assert client.get(url + "&sort=nonsense").status_code == 200


def test_customers_list_exports_the_current_view(world):
    client = english(world.client("alice"))
    url = f"/c/{world.a.code}/customers/{AS_OF}&bucket=overdue&sort=-total"
    response = client.get(url + "&export=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["code"] for r in rows] == ["INITECH", "GLOBEX", "ACME"]
    assert rows[1]["total"] == "3200.00" and rows[1]["over_90"] == "2400.00"
    response = client.get(url + "&export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "code" and [v[0] for v in values[1:]] == ["INITECH", "GLOBEX", "ACME"]


def test_customer_page_shows_open_items_with_days_past_due(world):
    page = world.client("alice").get(f"/c/{world.a.code}/customers/GLOBEX/{AS_OF}")
    assert page.status_code == 200
    lines = {line.number: line for line in page.context["open_lines"]}
    assert lines["FA003"].days_past_due == 91 and lines["FA003"].open_amount == 240000
    assert lines["FA004"].open_amount == 80000
    assert page.context["exposure"] == 320000
    statement = world.client("alice").get(
        f"/c/{world.a.code}/customers/GLOBEX/statement.pdf{AS_OF}"
    )
    assert statement["Content-Type"] == "application/pdf" and statement.content.startswith(b"%PDF")


def test_changing_terms_and_limit_is_audited_and_moves_due_dates(world):
    client = world.client("alice")
    before = Document.objects.get(company=world.a, number="FA002", kind="invoice").due_date
    response = client.post(
        f"/c/{world.a.code}/customers/ACME/edit/",
        {
            "payment_terms": "60 jours fin de mois",
            "credit_limit": "15 000,50",
            "segment": "",
            "sales_rep": "Sam",
            "rating": "A",
        },
    )
    assert response.status_code == 302
    acme = Customer.objects.get(company=world.a, code="ACME")
    assert (acme.payment_terms, acme.credit_limit, acme.rating) == ("EOM60", 1500050, "A")
    event = AuditEvent.objects.get(action="customer_changed", object_ref="ACME")
    assert event.username == "alice"
    assert event.before == {"payment_terms": "", "credit_limit": None, "rating": ""}
    assert event.after == {"payment_terms": "EOM60", "credit_limit": 1500050, "rating": "A"}
    after = Document.objects.get(company=world.a, number="FA002", kind="invoice").due_date
    assert before.isoformat() == "2026-07-05" and after.isoformat() == "2026-08-31"
    page = client.get(f"/c/{world.a.code}/customers/ACME/")
    change = next(t for t in page.context["timeline"] if t["kind"] == "change")
    # the fields and values in words, the limit in euros: no code, no cents
    assert change["text"] == (
        "Conditions de paiement : les conditions de la société → 60 jours fin de mois ; "
        "Limite de crédit : — → 15\u202f000,50\xa0€ ; Cotation : — → A"
    )


def test_a_bad_form_keeps_the_users_input_and_says_why(world):
    response = world.client("alice").post(
        f"/c/{world.a.code}/customers/ACME/edit/",
        {"payment_terms": "whenever", "credit_limit": "12,3,4"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="whenever"' in body and 'value="12,3,4"' in body
    assert set(response.context["form"].errors) == {"payment_terms", "credit_limit"}
    assert not AuditEvent.objects.filter(action="customer_changed").exists()


def test_notes_go_to_the_timeline(world):
    client = world.client("sam")
    assert (
        client.post(
            f"/c/{world.a.code}/customers/ACME/notes/", {"text": "Promised to pay Friday"}
        ).status_code
        == 302
    )
    assert Note.objects.get().author == "sam"
    page = client.get(f"/c/{world.a.code}/customers/ACME/")
    assert page.context["timeline"][0]["text"] == "Promised to pay Friday"


def test_an_import_in_the_browser_shows_its_counts_then_the_history(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.IMPORTS_IN_BACKGROUND = False
    fec = Fec()
    fec.invoice("20260615", "NEWCO", "FA200", "480")
    data = fec.write(tmp_path / "FEC-july.txt").read_bytes()
    client = world.client("alice")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/c/{world.a.code}/imports/",
            {"kind": "fec", "file": SimpleUploadedFile("FEC-july.txt", data)},
        )
    job = ImportJob.objects.get()
    assert response.url == f"/c/{world.a.code}/imports/{job.pk}/"
    assert job.status == "done" and job.changed and job.counts["customer_lines"] == 1
    page = client.get(response.url)
    assert b'id="import-counts"' in page.content
    status = client.get(f"/c/{world.a.code}/imports/{job.pk}/status/").json()
    assert status["finished"] and status["status"] == "done"
    history = client.get(f"/c/{world.a.code}/imports/")
    assert [b.file_name for b in history.context["batches"]][0] == "FEC-july.txt"
    # audited once, inside the import's transaction
    assert AuditEvent.objects.filter(action="import", object_ref=str(job.batch_id)).count() == 1
    assert Customer.objects.filter(company=world.a, code="NEWCO").exists()


def test_a_refused_import_lists_each_error_and_changes_nothing(
    world, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_IN_BACKGROUND = False
    before = Document.objects.count()
    bad = Fec()
    bad.invoice("20261341", "ACME", "FA300", "120")
    text = (
        "\n".join([__import__("tests.fecbuilder", fromlist=["HEADER"]).HEADER, *bad.lines]) + "\n"
    )
    client = world.client("alice")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/c/{world.a.code}/imports/",
            {"kind": "fec", "file": SimpleUploadedFile("bad.txt", text.encode())},
        )
    job = ImportJob.objects.get()
    assert job.status == "refused" and job.error_count >= 1
    assert job.errors[0]["line"] == 2 and job.errors[0]["column"] == "EcritureDate"
    assert job.errors[0]["file"] == "bad.txt"
    page = client.get(f"/c/{world.a.code}/imports/{job.pk}/").content.decode()
    assert 'id="import-errors"' in page and "20261341" in page
    assert Document.objects.count() == before


def test_the_language_follows_the_browser_then_the_users_choice(world):
    client = world.client("alice")
    english_browser = client.get(f"/c/{world.a.code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'lang="en"' in english_browser.content
    client.post("/language/", {"language": "fr", "next": f"/c/{world.a.code}/"})
    again = client.get(f"/c/{world.a.code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'lang="fr"' in again.content
    assert Profile.objects.get(user__username="alice").language == "fr"
    # a new session of the same user keeps the choice
    fresh = Client()
    fresh.force_login(get_user_model().objects.get(username="alice"))
    assert b'lang="fr"' in fresh.get(f"/c/{world.a.code}/", HTTP_ACCEPT_LANGUAGE="en").content


def test_language_switch_refuses_to_redirect_elsewhere(world):
    response = Client().post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response.url == "/"


def test_settings_are_audited_and_only_for_admins(world):
    url = f"/c/{world.a.code}/settings/"
    assert (
        world.client("alice").post(url, {"name": "X", "default_terms": "NET45"}).status_code == 403
    )
    response = world.client("adam").post(url, {"name": "Acme Holding", "default_terms": "NET45"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="settings_changed")
    assert event.before == {"default_terms": "NET30"} and event.after == {"default_terms": "NET45"}
    audit = world.client("audrey").get(f"/c/{world.a.code}/audit/")
    assert audit.status_code == 200 and b"settings_changed" in audit.content


def test_customers_imported_later_appear_in_the_list(world, tmp_path):
    client = world.client("alice")
    url = f"/c/{world.a.code}/customers/{AS_OF}"
    assert client.get(url).context["page"].paginator.count == 4
    path = tmp_path / "customers.csv"
    path.write_text(
        "code,name,siren,country,segment,payment_terms\nHOOLI,Hooli SA,,US,Tech,NET30\n"
    )
    from creditpilot.receivables.customers import do_import_customers

    do_import_customers(world.a, path)
    listing = client.get(url)
    assert listing.context["page"].paginator.count == 5
    assert "HOOLI" in [p.code for p in listing.context["page"]]


def test_an_admin_grants_the_company_to_a_new_user_and_revokes_it(world):
    from creditpilot.accounts.models import Membership

    admin = world.client("adam")
    url = f"/c/{world.a.code}/users/"
    assert world.client("alice").get(url).status_code == 403  # a credit manager manages no user
    response = admin.post(
        url, {"username": "sally", "role": "sales", "sales_rep": "Sam"}, follow=True
    )
    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    password = shown.rsplit(" ", 1)[-1]
    sally = Client()
    assert sally.post("/login/", {"username": "sally", "password": password}).status_code == 302
    listing = sally.get(f"/c/{world.a.code}/customers/{AS_OF}")
    assert [p.code for p in listing.context["page"]] == ["ACME"]
    event = AuditEvent.objects.get(action="grant", object_ref="sally")
    assert event.username == "adam" and event.after == {"role": "sales", "sales_rep": "Sam"}
    # granting an existing user of another company keeps their password and adds the company
    admin.post(url, {"username": "bob", "role": "auditor"})
    assert set(
        Membership.objects.filter(user__username="bob").values_list("company__code", flat=True)
    ) == {
        world.a.code,
        world.b.code,
    }
    assert admin.post(f"{url}sally/revoke/").status_code == 302
    assert sally.get(f"/c/{world.a.code}/").status_code == 404
    assert AuditEvent.objects.filter(action="revoke", object_ref="sally").exists()


def test_the_last_administrator_cannot_be_revoked(world):
    admin = world.client("adam")
    response = admin.post(f"/c/{world.a.code}/users/adam/revoke/", follow=True)
    assert "administrator" in " ".join(str(m) for m in response.context["messages"])
    from creditpilot.accounts.models import Membership

    assert Membership.objects.filter(user__username="adam", company=world.a).exists()


def test_a_sales_user_needs_a_sales_rep(world):
    response = world.client("adam").post(
        f"/c/{world.a.code}/users/", {"username": "x", "role": "sales"}
    )
    assert response.status_code == 400 and "sales_rep" in response.context["form"].errors


def test_customer_codes_with_a_slash_or_accents_open_from_the_list(world, tmp_path):
    fec = Fec()
    fec.invoice("20260615", "411/DUPONT", "FA900", "120")
    fec.invoice("20260616", "CLÉMENT & FILS", "FA901", "240")
    from creditpilot.receivables.services import do_import_fec

    do_import_fec(world.a, fec.write(tmp_path / "odd-codes.txt"))
    client = world.client("alice")
    listing = client.get(f"/c/{world.a.code}/customers/{AS_OF}")
    assert listing.status_code == 200
    for code in ("411/DUPONT", "CLÉMENT & FILS"):
        link = next(p for p in listing.context["page"] if p.code == code)
        from django.urls import reverse

        url = reverse("customer", args=[world.a.code, link.code])
        page = client.get(url + AS_OF)
        assert page.status_code == 200 and page.context["customer"].code == code
        edit = reverse("customer_edit", args=[world.a.code, code])
        assert client.post(edit, {"payment_terms": "NET45"}).status_code == 302
        assert Customer.objects.get(company=world.a, code=code).payment_terms == "NET45"


def test_a_company_code_cannot_break_web_addresses(db):
    from creditpilot.companies.services import do_add_company
    from creditpilot.core.errors import InvalidInputError

    for bad in ("a/b", "a b", "a?b", "a#b", "50%"):
        with pytest.raises(InvalidInputError):
            do_add_company(bad, "X")


def test_imports_interrupted_by_a_stop_are_marked_failed(world, tmp_path):
    from creditpilot.orchestration.imports import do_fail_interrupted_jobs

    running = ImportJob.objects.create(
        company=world.a,
        kind="fec",
        file_name="f.txt",
        stored_path=str(tmp_path / "f"),
        created_by="alice",
        status="running",
    )
    done = ImportJob.objects.create(
        company=world.a,
        kind="fec",
        file_name="g.txt",
        stored_path=str(tmp_path / "g"),
        created_by="alice",
        status="done",
    )
    assert do_fail_interrupted_jobs() == 1
    running.refresh_from_db()
    done.refresh_from_db()
    assert running.status == "failed" and "interrupted" in running.message and running.is_finished
    assert done.status == "done"


def test_the_limit_in_use_is_shown_as_a_percentage_in_the_readers_style(world):
    from creditpilot.receivables.customers import do_update_customer

    globex = Customer.objects.get(company=world.a, code="GLOBEX")
    do_update_customer(world.a, globex, {"credit_limit": 400000}, actor=None)  # 4,000.00
    french = (
        world.client("alice").get(f"/c/{world.a.code}/customers/GLOBEX/{AS_OF}").content.decode()
    )
    assert "80,0\u00a0%" in french  # 3,200.00 of 4,000.00
    page = english(world.client("alice")).get(f"/c/{world.a.code}/customers/GLOBEX/{AS_OF}")
    assert page.status_code == 200 and "80.0%" in page.content.decode()
