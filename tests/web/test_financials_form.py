"""Financial statements typed on the customer page: added, changed, deleted, refused, audited,
and out of reach of other companies and of read-only roles."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
import time_machine

from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.core.errors import NotFoundError
from creditpilot.customers.models import Customer
from creditpilot.risk.financials import do_save_statement
from creditpilot.risk.models import FinancialStatement

pytestmark = [pytest.mark.store, pytest.mark.django_db]

TODAY = "2026-06-30 10:00 +0200"
# the figures of the import test (tests/web/test_risk_page.py): Altman 2,79 and Conan-Holder 16,6
FIGURES = {
    "year_end": "2025-12-31",
    "total_assets": "1 000 000,00",
    "current_assets": "600000",
    "inventories": "200000.00",
    "cash": "",
    "equity": "300 000",
    "retained_earnings": "150000",
    "total_liabilities": "700000",
    "short_term_liabilities": "400000",
    "sales": "2000000",
    "ebit": "80000",
    "ebitda": "120000",
    "financial_charges": "20000",
    "staff_costs": "500000",
    "value_added": "800000",
    "net_income": "-12345,67",
}
LABELS = [
    "Date de clôture",
    "Total du bilan",
    "Actif circulant",
    "Stocks",
    "Trésorerie",
    "Capitaux propres",
    "Réserves et report à nouveau",
    "Total des dettes",
    "Dettes à court terme",
    "Chiffre d'affaires",
    "Résultat d'exploitation",
    "EBE",
    "Charges financières",
    "Charges de personnel",
    "Valeur ajoutée",
    "Résultat net",
]


def urls(company, code="GLOBEX"):  # type: ignore[no-untyped-def]
    base = f"/c/{company.code}/customers/{code}/"
    return base, base + "financials/", base + "financials/delete/"


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    body = response.content.decode()
    main = body[body.index("<main>") : body.index("</main>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).replace("\u202f", " ").split())


def field_html(response, name: str) -> str:  # type: ignore[no-untyped-def]
    """The paragraph of the statement form holding the field ``name`` (its input and errors)."""
    body = html.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")
    found = re.search(r'<p><label for="financials-' + name + r'">.*?</p>', body, re.DOTALL)
    assert found, name
    return found.group(0)


def stored(company, code="GLOBEX"):  # type: ignore[no-untyped-def]
    return list(
        FinancialStatement.objects.filter(company=company, customer__code=code).values(
            "year_end", "total_assets", "inventories", "cash", "net_income"
        )
    )


def test_a_year_is_added_changed_and_deleted_and_each_change_is_audited(world):
    alice = world.client("alice")
    page, save, delete = urls(world.a)
    with time_machine.travel(TODAY, tick=False):
        empty = alice.get(page)
        assert all(label in text_of(empty) for label in LABELS)
        assert "Aucun compte annuel pour l'instant." in text_of(empty)

        response = alice.post(save, FIGURES)
        assert response.status_code == 302
        assert response["Location"].endswith("/customers/GLOBEX/#financial-statements")
        assert stored(world.a) == [
            {
                "year_end": date(2025, 12, 31),
                "total_assets": 100_000_000,
                "inventories": 20_000_000,
                "cash": None,
                "net_income": -1_234_567,
            }
        ]
        shown = text_of(alice.get(page))
        assert "Comptes de l'exercice clos le 31 déc. 2025 ajoutés." in shown
        # the latest year's scores, as for imported statements
        assert "Altman Z'' 2,79 (zone sûre) · Conan–Holder 16,6 % (saine)" in shown

        # the edit link fills the form with the year's figures, read back as they are shown
        editing = alice.get(page + "?statement=2025-12-31")
        assert 'value="1000000,00"' in field_html(editing, "total_assets")
        assert 'value="2025-12-31"' in field_html(editing, "year_end")

        # the same year end again: the year changes, no second statement
        changed = {**FIGURES, "total_assets": "1200000", "inventories": ""}
        assert alice.post(save, changed).status_code == 302
        assert stored(world.a) == [
            {
                "year_end": date(2025, 12, 31),
                "total_assets": 120_000_000,
                "inventories": None,
                "cash": None,
                "net_income": -1_234_567,
            }
        ]
        assert "Comptes de l'exercice clos le 31 déc. 2025 enregistrés." in text_of(alice.get(page))
        # nothing new: nothing written, nothing audited
        assert alice.post(save, changed).status_code == 302
        assert "Aucune modification." in text_of(alice.get(page))

        assert alice.post(delete, {"year_end": "2025-12-31"}).status_code == 302
        assert stored(world.a) == []
        after = text_of(alice.get(page))
        assert "Comptes de l'exercice clos le 31 déc. 2025 supprimés." in after
        assert "Altman" not in after

    events = list(
        AuditEvent.objects.filter(company=world.a, object_ref="GLOBEX")
        .exclude(action="sign_in")
        .order_by("id")
        .values_list("action", "username", "before", "after")
    )
    assert [e[:2] for e in events] == [
        ("statement_saved", "alice"),
        ("statement_saved", "alice"),
        ("statement_deleted", "alice"),
    ]
    added, edit, deleted = (e[2:] for e in events)
    assert added[0] == {key: None for key in added[1] if key != "year_end"}
    assert added[1]["year_end"] == "2025-12-31" and added[1]["total_assets"] == 100_000_000
    assert edit == (
        {"year_end": "2025-12-31", "total_assets": 100_000_000, "inventories": 20_000_000},
        {"year_end": "2025-12-31", "total_assets": 120_000_000, "inventories": None},
    )
    assert deleted[0]["total_assets"] == 120_000_000 and not deleted[1]
    # the audit log and the customer's timeline tell it in French
    with time_machine.travel(TODAY, tick=False):
        log = text_of(alice.get(f"/c/{world.a.code}/audit/"))
        timeline = text_of(alice.get(page))
    assert (
        "alice a saisi les comptes de Globex SAS (GLOBEX) de l'exercice clos le "
        "31 déc. 2025 : Total du bilan : 1 000 000,00 € → 1 200 000,00 € ; Stocks : 200 000,00 € → —"
        in log
    )
    assert "alice a supprimé les comptes de Globex SAS (GLOBEX)" in log
    assert "statement_saved" not in log and "total_assets" not in log
    assert "Comptes de l'exercice clos le 31 déc. 2025 : Total du bilan" in timeline


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sales", "deux millions", "Montant non valide : deux millions"),
        ("ebit", "12,345", "Montant non valide : 12,345"),
        ("total_assets", "-1000", "Ce montant ne peut pas être négatif."),
        ("year_end", "2026-07-01", "La date de clôture ne peut pas être dans le futur."),
        ("year_end", "", "Ce champ est obligatoire."),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(world, field, value, message):
    alice = world.client("alice")
    _page, save, _delete = urls(world.a)
    with time_machine.travel(TODAY, tick=False):
        assert alice.post(save, FIGURES).status_code == 302  # a year already there
        before = stored(world.a)
        audited = AuditEvent.objects.count()
        response = alice.post(save, {**FIGURES, "net_income": "1", field: value})
    assert response.status_code == 400
    assert message in field_html(response, field)
    # the other fields keep what was typed
    assert 'value="1 000 000,00"' in field_html(response, "total_assets") or field == "total_assets"
    assert stored(world.a) == before
    assert AuditEvent.objects.count() == audited


def test_a_statement_without_any_figure_is_refused(world):
    alice = world.client("alice")
    _page, save, _delete = urls(world.a)
    with time_machine.travel(TODAY, tick=False):
        response = alice.post(save, {"year_end": "2025-12-31"})
    assert response.status_code == 400
    assert "Indiquez au moins un montant." in text_of(response)
    assert stored(world.a) == []


def test_another_companys_user_gets_404_and_changes_nothing(world):
    alice = world.client("alice")
    _page, save, delete = urls(world.a)
    with time_machine.travel(TODAY, tick=False):
        assert alice.post(save, FIGURES).status_code == 302
        before_a, before_b = stored(world.a), stored(world.b)
        bob = world.client("bob")
        assert bob.post(save, {**FIGURES, "total_assets": "1"}).status_code == 404
        assert bob.post(delete, {"year_end": "2025-12-31"}).status_code == 404
        # and Alice cannot reach B's customer of the same code
        _p, save_b, delete_b = urls(world.b)
        assert alice.post(save_b, FIGURES).status_code == 404
        assert alice.post(delete_b, {"year_end": "2025-12-31"}).status_code == 404
    assert (stored(world.a), stored(world.b)) == (before_a, before_b)
    # the risk layer refuses a customer of another company whoever calls it
    globex_b = Customer.objects.get(company=world.b, code="GLOBEX")
    with pytest.raises(NotFoundError):
        do_save_statement(
            world.a, globex_b, {"year_end": date(2025, 12, 31), "sales": 1}, Actor("x")
        )


@pytest.mark.parametrize(("user", "code"), [("audrey", "GLOBEX"), ("sam", "ACME")])
def test_a_read_only_role_sees_the_statements_but_cannot_post(world, user, code):
    _page, save, delete = urls(world.a, code)
    with time_machine.travel(TODAY, tick=False):
        assert world.client("alice").post(save, FIGURES).status_code == 302
        client = world.client(user)
        before = stored(world.a, code)
        audited = AuditEvent.objects.count()
        assert client.post(save, {**FIGURES, "total_assets": "5"}).status_code == 403
        assert client.post(delete, {"year_end": "2025-12-31"}).status_code == 403
        page = client.get(f"/c/{world.a.code}/customers/{code}/")
    assert stored(world.a, code) == before
    assert AuditEvent.objects.filter(action__startswith="statement_").count() == 1
    assert AuditEvent.objects.count() == audited
    body = page.content.decode()
    assert 'id="statements"' in body  # the statements are shown
    assert 'id="financials-form"' not in body and "financials/delete/" not in body
