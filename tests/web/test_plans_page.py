"""A payment plan agreed on the customer page, its letter to sign read back, its rights."""

from __future__ import annotations

import html
import io

import pypdf
import pytest

from creditpilot.collections.models import LitigationCase, PaymentPlan
from creditpilot.collections.services import open_debits
from creditpilot.customers.models import Customer
from tests.web.conftest import AS_OF

pytestmark = [pytest.mark.store]


def test_a_plan_is_agreed_on_the_page_and_its_letter_signed(world):
    globex = Customer.objects.get(company=world.a, code="GLOBEX")
    owed = sum(d.open for d in open_debits(globex, AS_OF))
    first = owed // 2
    url = f"/c/{world.a.code}/customers/GLOBEX/"
    form = {
        "date_1": "2026-07-15",
        "amount_1": f"{first // 100}.{first % 100:02d}",
        "date_2": "2026-08-15",
        "amount_2": f"{(owed - first) // 100}.{(owed - first) % 100:02d}",
        "note": "accord téléphonique",
    }
    wrong = world.client("alice").post(
        url + f"plans/?as_of={AS_OF}", form | {"amount_2": "1.00"}, follow=True
    )
    assert "Les échéances doivent totaliser" in html.unescape(wrong.content.decode())
    assert world.client("sam").post(url + "plans/", form).status_code == 403
    assert world.client("bob").post(url + "plans/", form).status_code == 404
    done = world.client("alice").post(url + f"plans/?as_of={AS_OF}", form, follow=True)
    assert "Échéancier convenu." in html.unescape(done.content.decode())
    plan = PaymentPlan.objects.get(company=world.a)
    assert plan.total == owed and plan.instalments.count() == 2
    page = html.unescape(world.client("alice").get(url).content.decode())
    assert "Lettre à signer (PDF)" in page and "en cours" in page
    letter = world.client("alice").get(url + f"plans/{plan.pk}/letter/")
    assert letter["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(letter.content)).pages)
    flat = text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Échéancier de paiement" in flat and "15 juillet 2026" in flat
    assert "bon pour accord" in flat and "FA004" in flat
    assert world.client("bob").get(url + f"plans/{plan.pk}/letter/").status_code == 404


def test_a_case_shows_on_the_customer_page_with_its_statement_of_claim(world):
    from creditpilot.collections.litigation import do_open_case

    case = do_open_case(world.a, "GLOBEX", today=AS_OF, stage="formal_notice")
    url = f"/c/{world.a.code}/customers/GLOBEX/"
    page = html.unescape(world.client("alice").get(url + f"?as_of={AS_OF}").content.decode())
    assert "Contentieux" in page and "mise en demeure" in page
    claim = world.client("alice").get(url + f"cases/{case.pk}/claim/?as_of={AS_OF}")
    assert claim["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(claim.content)).pages)
    assert "Mise en demeure" in text and "Décompte de la créance" in text
    assert world.client("bob").get(url + f"cases/{case.pk}/claim/").status_code == 404


def test_a_case_is_opened_moved_funded_and_closed_on_the_page(world):
    url = f"/c/{world.a.code}/customers/GLOBEX/cases/?as_of={AS_OF}"
    assert world.client("sam").post(url, {"what": "open"}).status_code == 403
    done = world.client("alice").post(url, {"what": "open", "stage": "formal_notice"}, follow=True)
    assert "Dossier ouvert." in html.unescape(done.content.decode())
    case = LitigationCase.objects.get(company=world.a)
    world.client("alice").post(url, {"what": "move", "case": case.pk, "stage": "lawyer"})
    missing = world.client("alice").post(
        url, {"what": "move", "case": case.pk, "stage": "insolvency_claim"}, follow=True
    )
    assert "Indiquez la date de la publication au BODACC." in html.unescape(
        missing.content.decode()
    )
    world.client("alice").post(
        url, {"what": "money", "case": case.pk, "costs": "250,00", "recovered": "1 000"}
    )
    refused = world.client("alice").post(
        url, {"what": "close", "case": case.pk, "outcome": "written_off"}, follow=True
    )
    assert "matrice de décision" in html.unescape(refused.content.decode())
    world.client("alice").post(url, {"what": "close", "case": case.pk, "outcome": "settled"})
    case.refresh_from_db()
    assert (case.stage, case.costs, case.recovered, case.outcome) == (
        "lawyer",
        250_00,
        1_000_00,
        "settled",
    )
    # another company's user reaches nothing of it
    other = f"/c/{world.a.code}/customers/GLOBEX/cases/"
    assert world.client("bob").post(other, {"what": "close", "case": case.pk}).status_code == 404


def test_a_plan_covers_the_items_ticked_on_the_page(world):
    globex = Customer.objects.get(company=world.a, code="GLOBEX")
    debits = open_debits(globex, AS_OF)
    assert len(debits) > 1, "the hand ledger leaves Globex more than one open item"
    chosen = debits[0]
    url = f"/c/{world.a.code}/customers/GLOBEX/"
    page = html.unescape(world.client("alice").get(url + f"?as_of={AS_OF}").content.decode())
    assert f'name="items" value="{chosen.number}" checked' in page
    form = {
        "items_listed": "1",
        "date_1": "2026-07-15",
        "amount_1": f"{chosen.open // 100}.{chosen.open % 100:02d}",
    }
    none = world.client("alice").post(url + f"plans/?as_of={AS_OF}", form, follow=True)
    assert "Choisissez au moins une pièce." in html.unescape(none.content.decode())
    gone = form | {"items": ["NOT-AN-ITEM"]}
    refused = world.client("alice").post(url + f"plans/?as_of={AS_OF}", gone, follow=True)
    assert "n'est pas une pièce de ce client" in html.unescape(refused.content.decode())
    done = world.client("alice").post(
        url + f"plans/?as_of={AS_OF}", form | {"items": [chosen.number]}, follow=True
    )
    assert "Échéancier convenu." in html.unescape(done.content.decode())
    plan = PaymentPlan.objects.get(company=world.a)
    assert plan.total == chosen.open
    assert list(plan.instalments.get().items.values_list("number", flat=True)) == [chosen.number]
